import { LlmManagerError, type LlmManagerErrorCode } from '../common/llm-manager.error';
import { errorMessage } from '../common/error-message';
import { maskSecretsInText } from '../security/mask-secret';

/** Codes of a model call the upstream refused, or that never got an answer. */
export type UpstreamCallErrorCode = Extract<
  LlmManagerErrorCode,
  'UPSTREAM_KEY_REJECTED' | 'UPSTREAM_RATE_LIMITED' | 'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNREACHABLE' | 'UPSTREAM_ERROR'
>;

/**
 * What a model returned by `getUserLlm()` / `getSpecSysLlm()` throws when its request fails: an `LlmManagerError` with
 * one of the upstream codes, the OpenAI SDK's error as `cause`, and the upstream's `status` and `headers` (a 429's
 * `Retry-After` also as `retryAfterSeconds`) where it answered.
 */
export class UpstreamCallError extends LlmManagerError {
  constructor(
    override readonly code: UpstreamCallErrorCode,
    message: string,
    /** The upstream's HTTP status; undefined when it never answered. */
    readonly status: number | undefined,
    /** The upstream's response headers; undefined when it never answered. */
    readonly headers: Headers | undefined,
    cause: unknown,
  ) {
    const retryAfterSeconds = retryAfterOf(headers);
    super(code, message, {
      cause,
      details: {
        ...(status === undefined ? {} : { status }),
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Seconds the upstream asked us to wait (`Retry-After` / `retry-after-ms`), when it said. */
  readonly retryAfterSeconds: number | undefined;
}

/** Who was called, for the message: the platform's display name and address, and the key that must never show. */
export interface UpstreamTarget {
  platformName: string;
  baseUrl: string;
  apiKey: string | undefined;
  /** The request timeout of one attempt, in ms. */
  timeoutMs: number;
}

/**
 * The error a failed model call throws: our own errors (a refused URL, an abandoned stream) and aborts unchanged,
 * anything else from the SDK or LangChain as an `UpstreamCallError`.
 */
export function upstreamCallError(error: unknown, target: UpstreamTarget, elapsedMs: number): unknown {
  const own = ownErrorIn(error);
  if (own) return own;
  if (isAbortError(error)) return error;
  const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : undefined;
  const headers = headersOf(error);
  const code = codeFor(error, status, elapsedMs >= target.timeoutMs);
  const said = maskSecretsInText(errorMessage(error), target.apiKey ? [target.apiKey] : []);
  return new UpstreamCallError(code, `${whatHappened(code, target, status)} (${said})`, status, headers, error);
}

/** The code of an upstream's HTTP error answer, as a model call would throw it. */
export function upstreamStatusCode(status: number): UpstreamCallErrorCode {
  return codeFor(undefined, status, false);
}

/** The first `LlmManagerError` in a chain of causes: the SDK wraps what our guarded fetch threw. */
export function ownErrorIn(error: unknown): LlmManagerError | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof LlmManagerError) return current;
  }
  return undefined;
}

function codeFor(error: unknown, status: number | undefined, timeUp: boolean): UpstreamCallErrorCode {
  if (status === 401 || status === 403) return 'UPSTREAM_KEY_REJECTED';
  if (status === 429) return 'UPSTREAM_RATE_LIMITED';
  if (status !== undefined) return 'UPSTREAM_ERROR';
  const name = error instanceof Error ? error.name : '';
  // LangChain turns the SDK's APIConnectionTimeoutError into a plain Error named TimeoutError.
  if (name === 'TimeoutError' || name === 'APIConnectionTimeoutError') return 'UPSTREAM_TIMEOUT';
  if (name === 'APIConnectionError' || error?.constructor?.name === 'APIConnectionError') {
    // The SDK names its own timeout only when the fetch's AbortError is an Error of its realm; when it is not (a test
    // runner's sandbox, another fetch), the timeout arrives as a connection error after the whole timeout.
    return timeUp ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE';
  }
  return 'UPSTREAM_ERROR';
}

function whatHappened(code: UpstreamCallErrorCode, target: UpstreamTarget, status: number | undefined): string {
  const where = `platform '${target.platformName}' (${hostOf(target.baseUrl)})`;
  switch (code) {
    case 'UPSTREAM_KEY_REJECTED':
      return `The ${where} rejected the API key (HTTP ${status}). Check the key stored for this platform or the model's access`;
    case 'UPSTREAM_RATE_LIMITED':
      return `The ${where} is rate limiting this key (HTTP 429). Wait for retryAfterSeconds, or raise the limit with the provider`;
    case 'UPSTREAM_TIMEOUT':
      return `The ${where} did not answer within ${target.timeoutMs} ms. Try again, or raise requestTimeoutMs`;
    case 'UPSTREAM_UNREACHABLE':
      return `The ${where} could not be reached. Check its base_url and that this server can connect to it`;
    case 'UPSTREAM_ERROR':
      return status === undefined ? `The call to the ${where} failed` : `The ${where} answered HTTP ${status}`;
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'invalid base_url';
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError' || error.message === 'AbortError');
}

/** The SDK gives `Headers` (v5+) or, in older versions, a plain record. */
function headersOf(error: unknown): Headers | undefined {
  const raw = (error as { headers?: unknown })?.headers;
  if (raw instanceof Headers) return raw;
  if (raw && typeof raw === 'object') return new Headers(raw as Record<string, string>);
  return undefined;
}

function retryAfterOf(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
