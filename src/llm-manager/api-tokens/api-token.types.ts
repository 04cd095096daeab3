/** A token as every read returns it: never the token, never its hash. */
export interface ApiTokenView {
  id: number;
  userId: string;
  name: string;
  /** The token's first characters (`llmu_Ab3xY9q`), to recognise it. */
  prefix: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null when never used; refreshed at most once a minute. */
  lastUsedAt: string | null;
  /** ISO 8601, or null while the token is valid. */
  revokedAt: string | null;
}

/** What `issue()` returns: the view plus the token itself, shown this once and never stored. */
export interface IssuedApiToken extends ApiTokenView {
  token: string;
}
