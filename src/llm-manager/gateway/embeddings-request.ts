import { ChatMessage, type BaseMessage } from '@langchain/core/messages';
import { CallObservation, type FinishedCall } from '../builder/call-observation';
import { reportedUsageFromRaw, type ReportedUsage } from '../builder/provider-usage';
import { LlmManagerError } from '../common/llm-manager.error';
import type { UsageOutcome } from '../database/usage-log-entry.entity';
import type { UpstreamRoute } from './upstream-route';

/** An OpenAI embeddings request as the client sent it: only `model` and `input` are read, the rest travels untouched. */
export interface ClientEmbeddingsRequest {
  model: string;
  /** A string, strings, a token array or token arrays. */
  input: string | unknown[];
  [field: string]: unknown;
}

/** The body's `model` and `input`, or a 400 that says what is missing. */
export function readEmbeddingsRequest(body: unknown): ClientEmbeddingsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', "Send a JSON object (Content-Type: application/json), as OpenAI's embeddings API takes it.");
  }
  const request = body as Record<string, unknown>;
  if (typeof request['model'] !== 'string' || request['model'] === '') {
    throw invalid('model', 'model: name a usage slot or "platform/model" whose platform serves embeddings; GET /v1/models lists them.');
  }
  const input = request['input'];
  if (!(typeof input === 'string' && input !== '') && !(Array.isArray(input) && input.length > 0)) {
    throw invalid('input', 'input: a non-empty string, or a non-empty array of strings or token arrays.');
  }
  return request as ClientEmbeddingsRequest;
}

/**
 * The body sent upstream: the client's fields with the upstream model id. The model's `extra_body` is not merged:
 * it holds chat parameters (`enable_thinking`, …) an embeddings endpoint would refuse.
 */
export function embeddingsUpstreamBody(request: ClientEmbeddingsRequest, route: UpstreamRoute): string {
  return JSON.stringify({ ...request, model: route.modelName });
}

/**
 * An embeddings call for the recorder: the text inputs are the prompt (what the estimator counts when the provider
 * reports no usage; token arrays count one token an entry), nothing is completion.
 */
export class EmbeddingsObservation extends CallObservation {
  private reportedUsage: ReportedUsage | null = null;
  private answered = false;

  constructor(startedAt: number, request: ClientEmbeddingsRequest) {
    super(startedAt, promptMessages(request.input), '');
  }

  /** The upstream's answer: its `usage.prompt_tokens`, when it sent them. */
  observeAnswer(answer: Record<string, unknown>): void {
    this.answered = true;
    this.markOutput();
    this.reportedUsage = reportedUsageFromRaw(answer['usage']);
  }

  override finish(callId: string, outcome: UsageOutcome, endedAt: number): FinishedCall {
    return { ...super.finish(callId, outcome, endedAt), billable: outcome !== 'error' || this.answered, reported: this.reportedUsage };
  }
}

function promptMessages(input: string | unknown[]): BaseMessage[] {
  const items = typeof input === 'string' ? [input] : input.every((item) => typeof item === 'number') ? [input] : input;
  return items.map((item) => new ChatMessage({ content: textOf(item), role: 'user' }));
}

/** A token array as text the estimator counts about one token an entry. */
function textOf(item: unknown): string {
  if (typeof item === 'string') return item;
  return Array.isArray(item) ? ' x'.repeat(item.length) : '';
}

function invalid(field: string, message: string): LlmManagerError {
  return new LlmManagerError('VALIDATION_FAILED', message, { details: { field } });
}
