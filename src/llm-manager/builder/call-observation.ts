import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import type { UsageOutcome } from '../database/usage-log-entry.entity';
import { reportedUsageOf, type ReportedUsage } from './provider-usage';

export type { ReportedUsage };

/** Everything the recorder needs about one finished call; tokens are estimated from it later, off the call path. */
export interface FinishedCall {
  /** Unique id of the call, stored in its row (B10). */
  callId: string;
  startedAt: number;
  endedAt: number;
  outcome: UsageOutcome;
  /** False for a failure before any output: nothing reached the model, so nothing is billed. */
  billable: boolean;
  promptMessages: BaseMessage[];
  /** Tool and schema definitions sent with the prompt: providers bill them as prompt tokens. */
  promptExtras: string;
  completionText: string;
  reasoningText: string;
  reported: ReportedUsage | null;
  /** Wall-clock ms from the observation's start to the first output, or null when none came (time to first token). */
  firstOutputMs: number | null;
  /** 1, or the number of this retry or fallback of one call (issue 18). */
  attempt: number;
  /** The call id of the failed attempt this one replaced. */
  fallbackFrom: string | null;
  /** Why an `error` call failed (`UPSTREAM_RATE_LIMITED`, …; `UPSTREAM_ERROR` when unknown); null for other outcomes. */
  errorCode?: string | null;
}

/** Collects what one call produced, chunk by chunk or from one result. */
export class CallObservation {
  private text = '';
  private reasoning = '';
  private reported: ReportedUsage | null = null;
  private sawOutput = false;
  private readonly wallStart = Date.now();
  private firstOutputMs: number | null = null;
  /** Set by the tracker before the call opens, for a retry or a fallback (issue 18). */
  attempt = 1;
  fallbackFrom: string | null = null;

  constructor(
    readonly startedAt: number,
    readonly promptMessages: BaseMessage[],
    /** Tool and schema definitions sent with the prompt. */
    readonly promptExtras: string,
  ) {}

  observeChunk(chunk: ChatGenerationChunk): void {
    this.markOutput();
    this.collect(chunk.message);
  }

  observeResult(result: ChatResult): void {
    this.markOutput();
    for (const generation of result.generations) this.collect(generation.message);
  }

  finish(callId: string, outcome: UsageOutcome, endedAt: number): FinishedCall {
    return {
      callId,
      startedAt: this.startedAt,
      endedAt,
      outcome,
      billable: outcome !== 'error' || this.sawOutput,
      promptMessages: this.promptMessages,
      promptExtras: this.promptExtras,
      completionText: this.text,
      reasoningText: this.reasoning,
      reported: this.reported,
      firstOutputMs: this.firstOutputMs,
      attempt: this.attempt,
      fallbackFrom: this.fallbackFrom,
    };
  }

  /** Output has arrived: the first time, it fixes the time to first token. */
  protected markOutput(): void {
    this.sawOutput = true;
    this.firstOutputMs ??= Date.now() - this.wallStart;
  }

  private collect(message: BaseMessage): void {
    this.text += contentText(message.content);
    const reasoning = message.additional_kwargs?.['reasoning_content'];
    if (typeof reasoning === 'string') this.reasoning += reasoning;
    const toolChunks = (message as { tool_call_chunks?: Array<{ args?: string; name?: string }> }).tool_call_chunks;
    const toolCalls = (message as { tool_calls?: Array<{ args?: unknown; name?: string }> }).tool_calls;
    if (toolChunks?.length) {
      for (const call of toolChunks) this.text += (call.name ?? '') + (call.args ?? '');
    } else if (toolCalls?.length) {
      for (const call of toolCalls) this.text += (call.name ?? '') + JSON.stringify(call.args ?? {});
    }
    // Providers that repeat cumulative usage on every chunk: the last one counts, never the sum.
    this.reported = reportedUsageOf(message) ?? this.reported;
  }
}

/** What a prompt message costs in text: its content plus any tool calls it carries (an assistant turn). */
export function promptText(message: BaseMessage): string {
  const toolCalls = (message as { tool_calls?: Array<{ name?: string; args?: unknown }> }).tool_calls ?? [];
  return contentText(message.content) + toolCalls.map((call) => (call.name ?? '') + JSON.stringify(call.args ?? {})).join('');
}

/** The text of a message's content, whether a string or content blocks. */
export function contentText(content: BaseMessage['content']): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const block of content) {
    if (typeof block === 'string') text += block;
    else if (block && typeof block === 'object' && 'text' in block && typeof block.text === 'string') text += block.text;
  }
  return text;
}
