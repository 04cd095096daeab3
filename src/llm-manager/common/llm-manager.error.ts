/**
 * Every failure the manager reports on purpose carries one of these codes. The HTTP layer maps them to status codes
 * in one place; callers can switch on `error.code` without parsing messages.
 */
export const LLM_MANAGER_ERROR_CODES = [
  'CONFIG_INVALID',
  'MASTER_KEY_MISSING',
  'MASTER_KEY_INVALID',
  'SECRET_INVALID',
  'PLATFORM_NOT_FOUND',
  'PLATFORM_DISABLED',
  'MODEL_NOT_FOUND',
  'NAME_CONFLICT',
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'AUTH_THROTTLED',
  'NOT_FOUND',
  'URL_NOT_ALLOWED',
  'FORBIDDEN_IN_FIXED_MODE',
  'FORBIDDEN',
  'API_KEY_MISSING',
  'USAGE_SLOT_NOT_FOUND',
  'NO_USABLE_MODEL',
  'UPSTREAM_ERROR',
  'UPSTREAM_KEY_REJECTED',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNREACHABLE',
  'DATABASE_BUSY',
  'DATABASE_UNAVAILABLE',
  'STREAM_ABANDONED',
  'SHUTTING_DOWN',
  'BUDGET_EXCEEDED',
  'RATE_LIMITED',
  'RATE_LIMITER_UNAVAILABLE',
] as const;

export type LlmManagerErrorCode = (typeof LLM_MANAGER_ERROR_CODES)[number];

/** The one domain error of llm-mgr. The message says what went wrong and what to do next; it never holds a secret. */
export class LlmManagerError extends Error {
  override readonly name = 'LlmManagerError';

  constructor(
    readonly code: LlmManagerErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }

  /** Structured context (field names, a file position, the upstream status): never secrets. */
  readonly details?: Record<string, unknown>;
}

/** Exhaustiveness guard for `switch` statements over closed unions. */
export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable case: ${String(value)}`);
}
