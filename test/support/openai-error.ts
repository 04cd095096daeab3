import type { JsonObject } from './fake-upstream.types';

interface ErrorKind {
  type: string;
  code: string | null;
  message: string;
}

/** The `type`/`code` pairs OpenAI sends for the statuses our tests care about. */
function errorKindFor(status: number): ErrorKind {
  switch (status) {
    case 400:
      return { type: 'invalid_request_error', code: null, message: 'The request body is not valid.' };
    case 401:
      return {
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      };
    case 404:
      return { type: 'invalid_request_error', code: 'unknown_url', message: 'Unknown request URL.' };
    case 429:
      return {
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: 'Rate limit reached for requests. Please try again in 1s.',
      };
    default:
      return {
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        code: null,
        message: 'The server had an error while processing your request. Sorry about that!',
      };
  }
}

/** `{ error: { message, type, param, code } }`, the body every OpenAI-compatible error carries. */
export function openAiErrorBody(status: number, message?: string): JsonObject {
  const kind = errorKindFor(status);
  return { error: { message: message ?? kind.message, type: kind.type, param: null, code: kind.code } };
}

/** Masks a key the way OpenAI's 401 message does, so the fake never echoes a secret. */
export function maskKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}…${key.slice(-4)}`;
}
