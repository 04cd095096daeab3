import type { RateLimitInput } from './rate-limit.options';
import type { RateLimitScopeKind } from './rate-limit-rules';
import type { RateLimits } from './rate-limit-window';

/**
 * What `setRateLimit` takes: whom it limits (a user; a slot of a user with `usageKey`; or an API token alone with
 * `tokenId`) and the limits (`null` or absent: no limit of that kind; a user row with none exempts the user from the
 * default per-user limit).
 */
export interface SetRateLimitInput extends RateLimitInput {
  userId?: string | null;
  usageKey?: string | null;
  tokenId?: number | null;
}

/** A stored rate limit. */
export interface RateLimitView extends RateLimits {
  id: number;
  scope: RateLimitScopeKind;
  userId: string | null;
  usageKey: string | null;
  tokenId: number | null;
}

/** Every rate limit, with the default per-user limit and where the counters live. */
export interface RateLimitsView {
  backend: 'database' | 'redis';
  /** The limit of every user without one of their own (options, else YAML `rate_limits.default_user`); `null`: none. */
  defaultUser: RateLimits | null;
  limits: RateLimitView[];
}
