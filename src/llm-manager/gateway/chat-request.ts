import { LlmManagerError } from '../common/llm-manager.error';
import type { UpstreamRoute } from './upstream-route';

/** An OpenAI chat request as the client sent it: only what the gateway reads is typed, the rest travels untouched. */
export interface ClientChatRequest {
  model: string;
  messages: unknown[];
  stream?: unknown;
  stream_options?: unknown;
  tools?: unknown;
  response_format?: unknown;
  [field: string]: unknown;
}

const AGENT_NAME_MAX = 100;

/** The body's `model` and `messages`, or a 400 that says what is missing. */
export function readChatRequest(body: unknown): ClientChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'Send a JSON object (Content-Type: application/json), as OpenAI\'s chat completions API takes it.');
  }
  const request = body as Record<string, unknown>;
  if (typeof request['model'] !== 'string' || request['model'] === '') {
    throw invalid('model', 'model: name a usage slot (main, fast, reason or one of yours) or "platform/model"; GET /v1/models lists them.');
  }
  if (!Array.isArray(request['messages']) || request['messages'].length === 0) {
    throw invalid('messages', 'messages: a non-empty array of chat messages is required.');
  }
  return request as ClientChatRequest;
}

/** The `X-LLM-Agent` header: the agent name recorded on the usage row, or null. */
export function agentNameOf(header: unknown): string | null {
  if (header === undefined) return null;
  const name = typeof header === 'string' ? header.trim() : '';
  if (name === '' || name.length > AGENT_NAME_MAX) {
    throw invalid('X-LLM-Agent', `X-LLM-Agent: 1–${AGENT_NAME_MAX} characters naming the calling agent, sent once.`);
  }
  return name;
}

/** Whether the client asked for the stream's usage chunk (`stream_options.include_usage: true`). */
export function wantsStreamUsage(request: ClientChatRequest): boolean {
  const options = request.stream_options;
  return typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
}

/**
 * The body sent upstream: the client's fields, the model's `extra_body` over them (M13, as the builder merges it),
 * the upstream model id, and for streams `include_usage` so the ledger gets the provider's counts.
 */
export function upstreamBody(request: ClientChatRequest, route: UpstreamRoute): string {
  const body: Record<string, unknown> = { ...request, ...route.extraBody, model: route.modelName };
  if (request.stream === true) {
    const options = typeof request.stream_options === 'object' && request.stream_options !== null ? request.stream_options : {};
    body['stream_options'] = { ...options, include_usage: true };
  }
  return JSON.stringify(body);
}

function invalid(field: string, message: string): LlmManagerError {
  return new LlmManagerError('VALIDATION_FAILED', message, { details: { field } });
}
