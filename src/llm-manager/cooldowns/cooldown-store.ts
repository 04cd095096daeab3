/** One platform + key, as cooldowns know it: the key only as its fingerprint (keyIdOf). */
export interface KeyRef {
  platformId: number;
  keyId: string;
}

/** What the store knows of one pair. Instants are epoch ms. */
export interface KeyHealthState extends KeyRef {
  failures: number;
  /** `0`: not cooled down since its last success. */
  coolingUntilMs: number;
  /** The code of the last failure. */
  reason: string;
}

/** When failures cool a pair down, and for how long (LlmManagerOptions.cooldown). */
export interface CooldownPolicy {
  /** Retryable failures within `windowMs` that cool a pair down. */
  allowedFails: number;
  windowMs: number;
  /** The first cooldown; each one after it (without a success between) doubles, up to `maxCooldownMs`. */
  cooldownMs: number;
  maxCooldownMs: number;
}

/** One retryable failure of a pair. */
export interface KeyFailure {
  nowMs: number;
  reason: string;
  /** The upstream's `Retry-After`, in ms: a cooldown it starts lasts at least this long; `0`: none. */
  retryAfterMs: number;
}

/**
 * Where key health lives so that every instance sees it: the database (SqlCooldownStore) today; a Redis store can
 * take its place behind this interface (provide COOLDOWN_STORE) without touching the readers.
 */
export interface CooldownStore {
  /** Counts the failure atomically (one upsert), cooling the pair down when it is the `allowedFails`th of the window. */
  recordFailure(ref: KeyRef, failure: KeyFailure, policy: CooldownPolicy): Promise<KeyHealthState>;
  /** Forgets the pair's failures and cooldowns. */
  recordSuccess(ref: KeyRef): Promise<void>;
  /** Every pair with failures or a cooldown. */
  readAll(): Promise<KeyHealthState[]>;
}

export const COOLDOWN_STORE = Symbol('COOLDOWN_STORE');
