/** What a verified token stands for, as long as it is cached. */
export interface VerifiedToken {
  id: number;
  userId: string;
  /** Epoch ms of the last `last_used_at` written (or read), null when never used. */
  lastUsedAt: number | null;
  /** Epoch ms after which the token no longer verifies, or null. */
  expiresAt: number | null;
  allowedModels: string[] | null;
  allowedIps: string[] | null;
}

interface Entry {
  token: VerifiedToken;
  expiresAt: number;
}

/**
 * Tokens verified recently, by hash, so most requests skip the database. Revocation drops the entry at once in this
 * process; another process sharing the database notices within `ttlMs`. The epoch closes a race: a lookup that read
 * the row before a revocation must not cache it after the revocation dropped it.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private revocations = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Taken before a database lookup and handed to `put()`. */
  get epoch(): number {
    return this.revocations;
  }

  get(hash: string, now: number): VerifiedToken | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.token;
    this.entries.delete(hash);
    return undefined;
  }

  /** Caches `token` unless a revocation happened since `epoch` was taken. */
  put(hash: string, token: VerifiedToken, now: number, epoch: number): void {
    if (epoch !== this.revocations) return;
    this.entries.delete(hash);
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(hash, { token, expiresAt: now + this.ttlMs });
  }

  /** Drops every entry (another instance revoked something) and fences off lookups already in flight. */
  clear(): void {
    this.revocations += 1;
    this.entries.clear();
  }

  /** Drops the token with this id (there is at most one) and fences off lookups already in flight. */
  revoke(id: number): void {
    this.revocations += 1;
    for (const [hash, entry] of this.entries) {
      if (entry.token.id === id) this.entries.delete(hash);
    }
  }
}
