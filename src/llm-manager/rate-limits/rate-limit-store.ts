import type { LimitCheck } from './rate-limit-rules';
import type { CounterState, RateLimitKind } from './rate-limit-window';

/** One place among the concurrent calls of a check: a lease in the store, named `member`, renewed while held. */
export interface Lease {
  readonly key: string;
  readonly member: string;
}

/**
 * What one trip to the store asks: count one call (`callId`, `tokens`, the prompt's estimate) in the minute window
 * `windowStart` on every one of `checks`, with a lease named `callId` on those with `concurrent`.
 */
export interface Acquisition {
  readonly callId: string;
  readonly checks: readonly LimitCheck[];
  readonly tokens: number;
  readonly windowStart: number;
  /** When the leases expire unless renewed (epoch ms). */
  readonly leaseUntil: number;
  /**
   * Per check (same order), how many calls beyond this one to reserve for the process's next calls; the store grants
   * at most a share of the room left (`null`: nothing beyond the call). A store without slices ignores it.
   */
  readonly spares: readonly SliceWant[] | null;
}

/** A slice asked for: `calls` more calls, each a request, `tokensPerCall` tokens and a place, as the check limits them. */
export interface SliceWant {
  calls: number;
  tokensPerCall: number;
}

/**
 * What the store reserved beyond the call, per check: `requests` and `tokens` of the window, `places` new leases named
 * `<callId>:1…n`; `keep`, how many places the process may keep free once its calls end (a share of the room left, and
 * none when the check's other limits grant no slice; 0: give each back as its call ends).
 */
export interface Grant {
  requests: number;
  tokens: number;
  places: number;
  keep: number;
}

/** Which check refused a call and why; `state` is where its counter stood, when the store could read it. */
export interface StoreRefusal {
  check: LimitCheck;
  kind: RateLimitKind;
  state: CounterState | null;
}

export type Acquired = { refusal: StoreRefusal } | { refusal: null; grants: readonly Grant[] | null };

/**
 * What an admitted call holds of its rate limits until it ends: one request and `tokens` (the prompt's estimate) in
 * the minute window `windowStart` of every check, and a place among the concurrent calls of those with `concurrent`.
 */
export interface RateLimitHold {
  readonly callId: string;
  readonly checks: readonly LimitCheck[];
  readonly tokens: number;
  readonly windowStart: number;
  readonly leases: readonly Lease[];
}

/** How far to move one counter's requests and tokens in the window starting at `windowStart`. */
export interface CounterCorrection {
  key: string;
  windowStart: number;
  requests: number;
  tokens: number;
}

/**
 * Where counters live, shared by every instance: the database (DatabaseRateLimitStore) or Redis (RedisRateLimitStore).
 * `acquire` is atomic across every check of a call: either all count it, or none does and the refusal is returned.
 */
export abstract class RateLimitStore {
  /** `database` or `redis`: reports and benches name it. */
  abstract readonly backend: 'database' | 'redis';
  /** Whether `acquire` grants slices ahead (Redis): a process then admits most calls without a round trip. */
  abstract readonly slices: boolean;
  /** Opens what the store needs (a Redis connection); never throws for a backend that is down. */
  abstract connect(): Promise<void>;
  abstract acquire(acquisition: Acquisition, now: number): Promise<Acquired>;
  /** Gives places among concurrent calls back (each once, however often it is called). */
  abstract releaseLeases(leases: readonly Lease[]): Promise<void>;
  /** Moves counts of windows that still run (estimates corrected, cancelled calls taken back), in one go. */
  abstract adjust(corrections: readonly CounterCorrection[]): Promise<void>;
  /** Keeps the leases this process holds alive until `until`; answers those the store no longer had (lost). */
  abstract renew(leases: readonly Lease[], until: number): Promise<readonly Lease[]>;
  /** Frees leases whose process stopped renewing them (a crash); returns how many. */
  abstract sweep(now: number): Promise<number>;
  abstract close(): Promise<void>;
}

/** The checks that take part in concurrency. */
export const leasing = (acquisition: { checks: readonly LimitCheck[] }): readonly LimitCheck[] =>
  acquisition.checks.filter((check) => check.concurrent !== null);
