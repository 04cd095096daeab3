import { ChatMessage, type BaseMessage } from '@langchain/core/messages';
import { CallObservation, type FinishedCall, type ReportedUsage } from '../builder/call-observation';
import { reportedUsageFromRaw } from '../builder/provider-usage';
import type { UsageOutcome } from '../database/usage-log-entry.entity';
import type { ClientChatRequest } from './chat-request';

type Json = Record<string, unknown>;

/**
 * A call's observation read from OpenAI wire JSON instead of LangChain messages: the text, reasoning and tool calls
 * the upstream produced and the usage it reported, for the same recorder, estimator and ledger the builder uses.
 */
export class WireObservation extends CallObservation {
  private output = '';
  private reasoningOutput = '';
  private reportedUsage: ReportedUsage | null = null;
  private answered = false;

  constructor(startedAt: number, request: ClientChatRequest) {
    const extras = [request.tools, request.response_format].filter((x) => x !== undefined);
    super(startedAt, request.messages.map(promptMessage), extras.length ? JSON.stringify(extras) : '');
  }

  /** A whole (non-streamed) completion. */
  observeCompletion(completion: Json): void {
    this.answered = true;
    for (const choice of arrayOf(completion['choices'])) this.collectMessage(objectOf(choice)['message']);
    this.collectUsage(completion['usage']);
  }

  /** One streamed chunk; returns whether it is the usage-only chunk (`choices: []` with `usage`). */
  observeStreamChunk(chunk: Json): boolean {
    this.answered = true;
    const choices = arrayOf(chunk['choices']);
    for (const choice of choices) this.collectMessage(objectOf(choice)['delta']);
    this.collectUsage(chunk['usage']);
    return choices.length === 0 && isObject(chunk['usage']);
  }

  override finish(callId: string, outcome: UsageOutcome, endedAt: number): FinishedCall {
    return {
      ...super.finish(callId, outcome, endedAt),
      billable: outcome !== 'error' || this.answered,
      completionText: this.output,
      reasoningText: this.reasoningOutput,
      reported: this.reportedUsage,
    };
  }

  private collectMessage(message: unknown): void {
    const fields = objectOf(message);
    if (typeof fields['content'] === 'string') this.output += fields['content'];
    if (typeof fields['reasoning_content'] === 'string') this.reasoningOutput += fields['reasoning_content'];
    for (const call of arrayOf(fields['tool_calls'])) {
      const fn = objectOf(objectOf(call)['function']);
      this.output += textOf(fn['name']) + textOf(fn['arguments']);
    }
  }

  private collectUsage(usage: unknown): void {
    // Providers that repeat cumulative usage on every chunk: the last one counts, never the sum.
    this.reportedUsage = reportedUsageFromRaw(usage) ?? this.reportedUsage;
  }
}

/** A client message as the estimator reads it: its text, plus the tool calls an assistant turn carries. */
function promptMessage(message: unknown): BaseMessage {
  const fields = objectOf(message);
  let text = contentOf(fields['content']);
  for (const call of arrayOf(fields['tool_calls'])) {
    const fn = objectOf(objectOf(call)['function']);
    text += textOf(fn['name']) + textOf(fn['arguments']);
  }
  return new ChatMessage({ content: text, role: typeof fields['role'] === 'string' ? fields['role'] : 'user' });
}

/** A string content, or the text parts of a content array (images and audio are not text). */
function contentOf(content: unknown): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of arrayOf(content)) {
    const fields = objectOf(part);
    if (typeof fields['text'] === 'string') text += fields['text'];
  }
  return text;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown): Json {
  return isObject(value) ? value : {};
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
