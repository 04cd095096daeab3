import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ConfigChanges } from '../common/config-changes';
import { requireName } from '../common/input-rules';
import { LlmManagerError } from '../common/llm-manager.error';
import { SYSTEM_USER_ID, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { Clock } from '../usage/clock';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokenGenerator, hashToken, looksLikeUserToken, sameHash, TOKEN_DISPLAY_PREFIX_LENGTH } from './api-token.secrets';
import type { ApiTokenView, IssuedApiToken, TokenCheck } from './api-token.types';
import { readTokenControls, type ApiTokenControls } from './token-controls';
import { VerifiedTokenCache, type VerifiedToken } from './verified-token-cache';

/**
 * How long a verified token is trusted without asking the database: the longest another process sharing the database
 * may take to see a revocation when the configuration sync between instances is off (`configSyncIntervalMs: 0`).
 */
export const VERIFIED_TOKEN_TTL_MS = 30_000;
/** `last_used_at` is written at most this often per token, so a busy token costs no write per request. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
const MAX_CACHED_TOKENS = 10_000;
const USER_ID_MAX_LENGTH = 64;

/**
 * Per-user API tokens: the admin issues and revokes them, every authenticated request verifies one. Only the
 * SHA-256 of a token is stored; the token itself exists once, in the answer to `issue()`.
 */
@Injectable()
export class ApiTokenService implements OnModuleDestroy {
  private readonly logger = new Logger('LlmManager');
  private readonly cache = new VerifiedTokenCache(VERIFIED_TOKEN_TTL_MS, MAX_CACHED_TOKENS);
  private readonly unsubscribe: () => void;

  constructor(
    @InjectRepository(ApiTokenEntity, LLM_MGR_DATA_SOURCE) private readonly tokens: Repository<ApiTokenEntity>,
    private readonly generator: ApiTokenGenerator,
    private readonly clock: Clock,
    private readonly changes: ConfigChanges,
  ) {
    // 'all' is also what another instance's revocation arrives as (ConfigChangeRelay).
    this.unsubscribe = changes.subscribe((change) => {
      if (change.kind === 'all') this.cache.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * A new token acting as `userId`. The answer holds the token: show it to the admin once, it cannot be read again.
   * `controls` restrict it (expiry, models and addresses the gateway accepts); left out, it has none.
   * @throws LlmManagerError `VALIDATION_FAILED` for an empty or too long user id or name, the system user, or
   * invalid controls (a past expiry, an entry that is no IP or CIDR).
   */
  async issue(userId: string, name: string, controls: ApiTokenControls = {}): Promise<IssuedApiToken> {
    const owner = requireUserId(userId);
    const label = requireName(name, 'name');
    const limits = readTokenControls(controls, this.clock.now());
    const token = this.generator.generate();
    const row = await this.repo().save(
      this.repo().create({
        userId: owner,
        name: label,
        tokenHash: hashToken(token),
        prefix: token.slice(0, TOKEN_DISPLAY_PREFIX_LENGTH),
        lastUsedAt: null,
        revokedAt: null,
        ...limits,
      }),
    );
    return { ...this.toView(row), token };
  }

  /** Every token, or one user's, oldest first, revoked ones included (they say when). */
  async list(userId?: string): Promise<ApiTokenView[]> {
    const rows = await this.repo().find({ where: userId === undefined ? {} : { userId }, order: { id: 'ASC' } });
    return rows.map((row) => this.toView(row));
  }

  /**
   * Revokes a token at once in this process, and in the others sharing the database within `configSyncIntervalMs`.
   * Revoking twice is harmless.
   * @throws LlmManagerError `NOT_FOUND` when no token has this id.
   */
  async revoke(id: number): Promise<ApiTokenView> {
    const row = await this.repo().findOneBy({ id });
    if (!row) {
      throw new LlmManagerError('NOT_FOUND', `No API token with id ${id}. List them with GET /api/ai/admin/tokens.`, {
        details: { field: 'id' },
      });
    }
    if (!row.revokedAt) {
      row.revokedAt = this.clock.now();
      await this.repo().update({ id }, { revokedAt: row.revokedAt });
    }
    this.cache.revoke(id);
    this.changes.publish({ kind: 'api-token', tokenId: id });
    return this.toView(row);
  }

  /** The user a valid token acts as, or null for an unknown, malformed, revoked or expired token. */
  async verify(token: string): Promise<string | null> {
    const check = await this.authenticate(token);
    return check.ok ? check.userId : null;
  }

  /** Like `verify()`, with the token's gateway restrictions, and telling an expired token from an unknown one. */
  async authenticate(token: string): Promise<TokenCheck> {
    if (!looksLikeUserToken(token)) return { ok: false, reason: 'unknown' };
    const hash = hashToken(token);
    const now = this.clock.now().getTime();
    const verified = this.cache.get(hash, now) ?? (await this.lookUp(hash, now));
    if (!verified) return { ok: false, reason: 'unknown' };
    if (verified.expiresAt !== null && verified.expiresAt <= now) {
      return { ok: false, reason: 'expired', expiredAt: new Date(verified.expiresAt).toISOString() };
    }
    await this.touch(verified, now);
    return { ok: true, tokenId: verified.id, userId: verified.userId, allowedModels: verified.allowedModels, allowedIps: verified.allowedIps };
  }

  private async lookUp(hash: string, now: number): Promise<VerifiedToken | undefined> {
    const epoch = this.cache.epoch;
    const row = await this.repo().findOneBy({ tokenHash: hash });
    // The index found the row by hash; the constant-time compare keeps the final decision free of timing leaks.
    if (!row || row.revokedAt || !sameHash(row.tokenHash, hash)) return undefined;
    const verified: VerifiedToken = {
      id: row.id,
      userId: row.userId,
      lastUsedAt: row.lastUsedAt?.getTime() ?? null,
      expiresAt: row.expiresAt?.getTime() ?? null,
      allowedModels: row.allowedModels,
      allowedIps: row.allowedIps,
    };
    this.cache.put(hash, verified, now, epoch);
    return verified;
  }

  private async touch(verified: VerifiedToken, now: number): Promise<void> {
    if (verified.lastUsedAt !== null && now - verified.lastUsedAt < LAST_USED_WRITE_INTERVAL_MS) return;
    // Claimed before the write, so concurrent requests of one token write once.
    verified.lastUsedAt = now;
    try {
      await this.repo().update({ id: verified.id }, { lastUsedAt: new Date(now) });
    } catch (error: unknown) {
      // Bookkeeping only: a failed write must not turn a valid request away.
      this.logger.warn(`Could not record last use of API token ${verified.id}: ${(error as Error).message}`);
    }
  }

  private repo(): Repository<ApiTokenEntity> {
    return this.tokens;
  }

  private toView(row: ApiTokenEntity): ApiTokenView {
    return {
      id: row.id,
      userId: row.userId,
      name: row.name,
      prefix: row.prefix,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
      revokedAt: row.revokedAt?.toISOString() ?? null,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      allowedModels: row.allowedModels,
      allowedIps: row.allowedIps,
    };
  }
}

function requireUserId(value: unknown): string {
  const userId = typeof value === 'string' ? value.trim() : '';
  const problem =
    userId === ''
      ? 'must be a non-empty string.'
      : userId.length > USER_ID_MAX_LENGTH
        ? `must be at most ${USER_ID_MAX_LENGTH} characters.`
        : userId === SYSTEM_USER_ID
          ? `"${SYSTEM_USER_ID}" is the system user; it acts through the admin token, not a user token.`
          : undefined;
  if (problem) throw new LlmManagerError('VALIDATION_FAILED', `userId: ${problem}`, { details: { field: 'userId' } });
  return userId;
}
