import type { LimitCheck } from './rate-limit-rules';
import type { CounterState, RateLimitKind } from './rate-limit-window';

/**
 * What an admitted call holds of its rate limits until it ends: one request and `tokens` (the prompt's estimate) in
 * the minute window `windowStart` of every check, and a lease among the concurrent calls of those with `concurrent`.
 */
export interface RateLimitHold {
  readonly callId: string;
  readonly checks: readonly LimitCheck[];
  readonly tokens: number;
  readonly windowStart: number;
  /** When the leases expire unless renewed (epoch ms). */
  readonly leaseUntil: number;
}

/** How far to move one counter's requests and tokens in the window starting at `windowStart`. */
export interface CounterCorrection {
  key: string;
  windowStart: number;
  requests: number;
  tokens: number;
}

/** Which check refused a call and why; `state` is where its counter stood, when the store could read it. */
export interface StoreRefusal {
  check: LimitCheck;
  kind: RateLimitKind;
  state: CounterState | null;
}

/**
 * Where counters live, shared by every instance: the database (DatabaseRateLimitStore) or Redis (RedisRateLimitStore).
 * `acquire` is atomic across every check of a call: either all count it, or none does and the refusal is returned.
 */
export abstract class RateLimitStore {
  /** `database` or `redis`: reports and benches name it. */
  abstract readonly backend: 'database' | 'redis';
  /** Opens what the store needs (a Redis connection); never throws for a backend that is down. */
  abstract connect(): Promise<void>;
  abstract acquire(hold: RateLimitHold, now: number): Promise<StoreRefusal | null>;
  /** Frees the call's place among the concurrent calls of its checks (once, however often it is called). */
  abstract releaseLeases(hold: RateLimitHold): Promise<void>;
  /** Moves counts of windows that still run (estimates corrected, cancelled calls taken back), in one go. */
  abstract adjust(corrections: readonly CounterCorrection[]): Promise<void>;
  /** Keeps the leases of the calls still running alive until `until`. */
  abstract renew(holds: readonly RateLimitHold[], until: number): Promise<void>;
  /** Frees leases whose process stopped renewing them (a crash); returns how many. */
  abstract sweep(now: number): Promise<number>;
  abstract close(): Promise<void>;
}

/** The checks of a hold that take part in concurrency, and those that count tokens. */
export const leasing = (hold: RateLimitHold): readonly LimitCheck[] => hold.checks.filter((check) => check.concurrent !== null);
