/** The three limits a rule may set; `null`: no limit of that kind. */
export interface RateLimits {
  rpm: number | null;
  tpm: number | null;
  concurrent: number | null;
}

export type RateLimitKind = keyof RateLimits;

/** Where a counter stands: the window it counts in, and what it holds. */
export interface CounterState {
  windowStart: number;
  requests: number;
  tokens: number;
  inFlight: number;
}

export const WINDOW_MS = 60_000;

/**
 * Requests and tokens are counted in fixed windows aligned to the minute (UTC epoch minutes), the same on the database
 * and on Redis: a window's counts reset at :00 of every minute. A burst may reach twice a limit across one boundary
 * (the end of one minute and the start of the next); in exchange each check is one atomic statement with no history.
 */
export function windowStart(now: number): number {
  return now - (now % WINDOW_MS);
}

/** Whole seconds until the window of `now` ends (at least 1): what Retry-After says for rpm and tpm. */
export function secondsToWindowEnd(now: number): number {
  return Math.max(1, Math.ceil((windowStart(now) + WINDOW_MS - now) / 1000));
}

/** What a concurrency refusal says to wait: a call in flight usually ends within seconds. */
export const CONCURRENT_RETRY_SECONDS = 1;

/**
 * The first limit a call needing `tokens` breaks on `state` at `now` (a window that ended counts as empty), or `null`
 * when it fits. The same rule as the stores' atomic statements, for the refusal's message and for unit tests.
 */
export function brokenLimit(limits: RateLimits, state: CounterState, tokens: number, now: number): RateLimitKind | null {
  const current = state.windowStart >= windowStart(now);
  const requests = current ? state.requests : 0;
  const used = current ? state.tokens : 0;
  if (limits.rpm !== null && requests + 1 > limits.rpm) return 'rpm';
  if (limits.tpm !== null && used + tokens > limits.tpm) return 'tpm';
  if (limits.concurrent !== null && state.inFlight + 1 > limits.concurrent) return 'concurrent';
  return null;
}

/** Seconds a refused call should wait before it is tried again. */
export function retryAfterSeconds(kind: RateLimitKind, now: number): number {
  return kind === 'concurrent' ? CONCURRENT_RETRY_SECONDS : secondsToWindowEnd(now);
}
