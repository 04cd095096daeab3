import { HttpStatus } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { LlmManagerExceptionFilter } from '../common/llm-manager-exception.filter';
import type { LlmManagerErrorCode } from '../common/llm-manager.error';
import { sendJson } from './json-reply';

/** The error body every OpenAI-compatible API answers with; OpenAI SDKs read `error.message`, `type` and `code`. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: null; code: string };
}

/** Codes OpenAI's SDKs and clients already switch on; any other domain code is sent lower-cased. */
const OPENAI_CODES: Partial<Record<LlmManagerErrorCode, string>> = {
  UNAUTHENTICATED: 'invalid_api_key',
  MODEL_NOT_FOUND: 'model_not_found',
  USAGE_SLOT_NOT_FOUND: 'model_not_found',
  RATE_LIMITED: 'rate_limit_exceeded',
};

const domainBodies = new LlmManagerExceptionFilter();

/** OpenAI's `type` for a status: `server_error` for 5xx, `rate_limit_error` for 429, else `invalid_request_error`. */
export function openAiErrorType(status: number): string {
  if (status >= 500) return 'server_error';
  return status === HttpStatus.TOO_MANY_REQUESTS ? 'rate_limit_error' : 'invalid_request_error';
}

export function openAiErrorBody(status: number, message: string, code: string): OpenAiErrorBody {
  return { error: { message, type: openAiErrorType(status), param: null, code } };
}

/**
 * Any error thrown on the gateway as status + OpenAI body. The status and message come from the one domain mapping
 * (`LlmManagerExceptionFilter.toBody`, `httpStatusFor`), so the gateway and the REST API never disagree.
 */
export function toOpenAiError(exception: unknown): { status: number; body: OpenAiErrorBody; headers: Record<string, string> } {
  const domain = domainBodies.toBody(exception);
  const code = OPENAI_CODES[domain.code as LlmManagerErrorCode] ?? domain.code.toLowerCase();
  const retryAfter = domain.details?.['retryAfterSeconds'];
  const headers: Record<string, string> = typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {};
  if (domain.code === 'RATE_LIMITED') Object.assign(headers, rateLimitHeaders(domain.details ?? {}));
  return { status: domain.statusCode, body: openAiErrorBody(domain.statusCode, domain.message, code), headers };
}

/** OpenAI's names for a request or token limit; a concurrency limit has none (Retry-After says when to come back). */
const LIMIT_HEADER_UNITS: Record<string, string> = { rpm: 'requests', tpm: 'tokens' };

/**
 * The `x-ratelimit-*` headers OpenAI sends, for the gateway's own limit that refused a call: its value, what was
 * left of it and when it starts again (`12s`), so clients that pace themselves by them (as they do against OpenAI)
 * slow down here too.
 */
function rateLimitHeaders(details: Record<string, unknown>): Record<string, string> {
  const unit = LIMIT_HEADER_UNITS[String(details['limit'])];
  if (unit === undefined || typeof details['limitValue'] !== 'number') return {};
  const headers: Record<string, string> = { [`x-ratelimit-limit-${unit}`]: String(details['limitValue']) };
  if (typeof details['remaining'] === 'number') headers[`x-ratelimit-remaining-${unit}`] = String(details['remaining']);
  if (typeof details['retryAfterSeconds'] === 'number') headers[`x-ratelimit-reset-${unit}`] = `${details['retryAfterSeconds']}s`;
  return headers;
}

/**
 * Answers `exception` in OpenAI's shape with its domain status (and Retry-After when it ends by itself, with OpenAI's
 * `x-ratelimit-*` headers when one of the gateway's rate limits refused it). A stream
 * already under way carries its own error event (ChatRelay): nothing more can be said, the answer just ends.
 */
export function sendOpenAiError(res: ServerResponse, exception: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const { status, body, headers } = toOpenAiError(exception);
  for (const name in headers) res.setHeader(name, headers[name]!);
  sendJson(res, status, body);
}
