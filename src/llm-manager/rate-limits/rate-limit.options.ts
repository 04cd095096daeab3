import type { RateLimits } from './rate-limit-window';

/** A rate limit as options and the YAML give it: each kind optional (absent or `null`: no limit of that kind). */
export interface RateLimitInput {
  /** Requests per minute. */
  rpm?: number | null;
  /** Tokens (prompt + completion) per minute: the prompt's estimate counts before the call, corrected when it ends. */
  tpm?: number | null;
  /** Calls in flight at once. */
  concurrent?: number | null;
}

/** Largest value any limit takes (fits every engine's 32-bit integer column). */
export const MAX_RATE_LIMIT = 2_000_000_000;

/**
 * `input` as limits, or a clear error naming `where` and the bad field; `null` when it limits nothing. Each limit is
 * a whole number from 1 to MAX_RATE_LIMIT.
 */
export function checkedRateLimits(input: RateLimitInput | null | undefined, where: string): RateLimits | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error(`${where} must be an object with rpm, tpm and/or concurrent.`);
  const unknown = Object.keys(input).filter((key) => !['rpm', 'tpm', 'concurrent'].includes(key));
  if (unknown.length > 0) throw new Error(`${where} has unknown field(s) ${unknown.join(', ')}: use rpm, tpm and/or concurrent.`);
  const one = (kind: keyof RateLimitInput): number | null => {
    const value = input[kind];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RATE_LIMIT) {
      throw new Error(`${where}.${kind}=${String(value)} must be a whole number from 1 to ${MAX_RATE_LIMIT}, or null for no limit.`);
    }
    return value;
  };
  const limits = { rpm: one('rpm'), tpm: one('tpm'), concurrent: one('concurrent') };
  return limits.rpm === null && limits.tpm === null && limits.concurrent === null ? null : limits;
}

/** Where the counters live: `database` (default) or the Redis at `url`. */
export interface RateLimitBackendOptions {
  redisUrl: string | null;
  redisKeyPrefix: string;
  leaseMs: number;
}
