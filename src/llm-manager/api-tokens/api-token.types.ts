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
  /** ISO 8601 moment after which it no longer verifies, or null when it never expires. */
  expiresAt: string | null;
  /** Model names the gateway accepts from it (usage slots, `platform/model`), or null for every model. */
  allowedModels: string[] | null;
  /** IPs and CIDRs the gateway accepts it from, or null for any address. */
  allowedIps: string[] | null;
}

/**
 * The outcome of checking a token: the user and its gateway restrictions, or why it was refused (`unknown` covers
 * malformed and revoked tokens, so a caller learns nothing about tokens it does not hold).
 */
export type TokenCheck =
  | { ok: true; tokenId: number; userId: string; allowedModels: string[] | null; allowedIps: string[] | null }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'expired'; expiredAt: string };

/** What `issue()` returns: the view plus the token itself, shown this once and never stored. */
export interface IssuedApiToken extends ApiTokenView {
  token: string;
}
