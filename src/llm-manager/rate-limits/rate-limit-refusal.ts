import { LlmManagerError } from '../common/llm-manager.error';
import type { LimitCheck, RateLimitScope } from './rate-limit-rules';
import { retryAfterSeconds, type CounterState, type RateLimitKind } from './rate-limit-window';

const UNITS: Record<RateLimitKind, string> = { rpm: 'requests per minute', tpm: 'tokens per minute', concurrent: 'calls at once' };

function whose(check: LimitCheck, scope: RateLimitScope): string {
  switch (check.scope) {
    case 'user':
      return `user "${scope.userId}"${check.ruleId === null ? ' (the default per-user limit)' : ''}`;
    case 'slot':
      return `slot "${scope.usageKey ?? ''}" of user "${scope.userId}"`;
    case 'token':
      return `API token ${scope.tokenId ?? ''}`;
  }
}

function details(check: LimitCheck, kind: RateLimitKind, scope: RateLimitScope): Record<string, unknown> {
  return {
    limit: kind,
    scope: check.scope,
    limitValue: check[kind],
    ruleId: check.ruleId,
    userId: scope.userId,
    usageKey: check.scope === 'slot' ? scope.usageKey : null,
    tokenId: check.scope === 'token' ? scope.tokenId : null,
  };
}

/**
 * `RATE_LIMITED` (HTTP 429 + Retry-After): which limit of whom was full, when to try again, and who can raise it.
 * `state` is the counter as the store saw it, when it could say.
 */
export function rateLimited(check: LimitCheck, kind: RateLimitKind, scope: RateLimitScope, state: CounterState | null, tokens: number, now: number): LlmManagerError {
  const wait = retryAfterSeconds(kind, now);
  const seen =
    state === null
      ? ''
      : kind === 'tpm'
        ? ` (${state.tokens} used this minute; this call needs about ${tokens})`
        : kind === 'concurrent'
          ? ` (${state.inFlight} running)`
          : '';
  return new LlmManagerError(
    'RATE_LIMITED',
    `Rate limit reached for ${whose(check, scope)}: ${check[kind]} ${UNITS[kind]}${seen}. Nothing was sent. Retry after ${wait} s, ` +
      'or ask an administrator to raise the limit (PUT /api/ai/admin/rate-limits).',
    { details: { ...details(check, kind, scope), remaining: remaining(check, kind, state), retryAfterSeconds: wait } },
  );
}

/** What was left of the refused limit: none of a request or concurrency limit, the tokens not yet used of a tpm one (null: unknown). */
function remaining(check: LimitCheck, kind: RateLimitKind, state: CounterState | null): number | null {
  if (kind !== 'tpm') return 0;
  return state === null ? null : Math.max(0, (check.tpm ?? 0) - state.tokens);
}

/** A prompt that alone needs more than a tokens-per-minute limit allows: waiting never helps, so no Retry-After. */
export function promptOverTpm(check: LimitCheck, scope: RateLimitScope, tokens: number): LlmManagerError {
  return new LlmManagerError(
    'RATE_LIMITED',
    `This call's prompt alone is about ${tokens} tokens, more than the ${check.tpm ?? 0} tokens per minute allowed for ` +
      `${whose(check, scope)}, so it can never pass. Shorten the prompt, or ask an administrator to raise the limit ` +
      '(PUT /api/ai/admin/rate-limits).',
    { details: { ...details(check, 'tpm', scope), estimatedTokens: tokens } },
  );
}

/** The store could not be asked (Redis down): the call is refused rather than let through without its limits. */
export function limiterUnavailable(backend: string, cause: unknown): LlmManagerError {
  return new LlmManagerError(
    'RATE_LIMITER_UNAVAILABLE',
    `Rate limits could not be checked (the ${backend} holding them did not answer), so the call was not sent. Retry in a ` +
      'few seconds; if it lasts, check that Redis is running at LLM_MGR_REDIS_URL (the server log says more).',
    { cause, details: { retryAfterSeconds: 5 } },
  );
}
