import { LlmManagerError } from '../common/llm-manager.error';
import { maskSecretsInText } from '../security/mask-secret';
import { parseJsonObject } from './json-object';
import { openAiErrorBody, type OpenAiErrorBody } from './openai-error';

const MAX_QUOTED = 200;

/**
 * An upstream's error answer as the client gets it: same status, its body when it already is OpenAI's error shape,
 * else that shape around a short quote of it. The platform key is masked wherever the upstream echoed it.
 */
export function upstreamErrorBody(status: number, text: string, apiKey: string | null): OpenAiErrorBody | Record<string, unknown> {
  const safe = apiKey ? maskSecretsInText(text, [apiKey]) : text;
  const parsed = parseJsonObject(safe);
  const error = parsed?.['error'];
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return parsed!;
  const quote = safe.trim().slice(0, MAX_QUOTED);
  return openAiErrorBody(status, `The platform answered ${status}${quote ? `: ${quote}` : ' with no body'}.`, 'upstream_error');
}

/**
 * A request that never got an answer (refused connection, DNS, TLS) as a 502, without the socket's details; a
 * timeout arrives here as UpstreamDeadline's error already.
 */
export function unreachable(error: unknown): LlmManagerError {
  if (error instanceof LlmManagerError) return error;
  // node:http puts the socket's code on the error, fetch on its cause.
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const socketCode = typeof failure?.code === 'string' ? failure.code : failure?.cause?.code;
  const code = typeof socketCode === 'string' ? ` (${socketCode})` : '';
  return new LlmManagerError('UPSTREAM_ERROR', `The platform could not be reached${code}. Check its base_url, or try again.`, { cause: error });
}

/** An answer the upstream broke off (its socket dropped mid-body) as a 502. */
export function brokenOff(error: unknown): LlmManagerError {
  if (error instanceof LlmManagerError) return error;
  return new LlmManagerError('UPSTREAM_ERROR', 'The platform broke off its answer before the end. Try again.', { cause: error });
}
