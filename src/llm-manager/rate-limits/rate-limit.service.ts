import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { ApiTokenEntity } from '../api-tokens/api-token.entity';
import { ConfigChanges } from '../common/config-changes';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { RateLimitEntity } from './rate-limit.entity';
import { checkedRateLimits } from './rate-limit.options';
import type { RateLimitView, RateLimitsView, SetRateLimitInput } from './rate-limit.types';
import { RateLimitRules, type RateLimitScopeKind } from './rate-limit-rules';
import { RateLimitStore } from './rate-limit-store';

const NO_LIMITS = { rpm: null, tpm: null, concurrent: null };

/** Rate limits as data (issue 18): set, list, delete. Enforcement is RateLimiter's. */
@Injectable()
export class RateLimitService {
  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly changes: ConfigChanges,
    private readonly rules: RateLimitRules,
    private readonly store: RateLimitStore,
  ) {}

  /** Creates or replaces the limit of (user), (user, slot) or (token). */
  async setRateLimit(input: SetRateLimitInput): Promise<RateLimitView> {
    const target = this.target(input);
    const limits = this.limits(input);
    if (target.tokenId !== null && !(await this.dataSource.getRepository(ApiTokenEntity).existsBy({ id: target.tokenId }))) {
      throw new LlmManagerError('NOT_FOUND', `No API token ${target.tokenId}. List them with GET /api/ai/admin/api-tokens.`);
    }
    const repository = this.dataSource.getRepository(RateLimitEntity);
    const existing = await repository.findOneBy({
      userId: target.userId ?? IsNull(),
      usageKey: target.usageKey ?? IsNull(),
      tokenId: target.tokenId ?? IsNull(),
    });
    const saved = await repository.save({ ...(existing ?? {}), ...target, ...limits });
    this.changes.publish({ kind: 'rate-limit' });
    return view(saved);
  }

  /** Every stored limit (or one user's, slots included), the default per-user limit, and the backend. */
  async getRateLimits(userId?: string): Promise<RateLimitsView> {
    const rows = await this.dataSource
      .getRepository(RateLimitEntity)
      .find({ where: userId === undefined ? {} : { userId }, order: { id: 'ASC' } });
    return { backend: this.store.backend, defaultUser: this.rules.defaultUser, limits: rows.map(view) };
  }

  async deleteRateLimit(id: number): Promise<void> {
    const result = await this.dataSource.getRepository(RateLimitEntity).delete({ id });
    if ((result.affected ?? 0) === 0) throw new LlmManagerError('NOT_FOUND', `No rate limit ${id}. List them with GET /api/ai/admin/rate-limits.`);
    this.changes.publish({ kind: 'rate-limit' });
  }

  private target(input: SetRateLimitInput): { userId: string | null; usageKey: string | null; tokenId: number | null } {
    const fail = (message: string): never => {
      throw new LlmManagerError('VALIDATION_FAILED', message);
    };
    const userId = input.userId ?? null;
    const usageKey = input.usageKey ?? null;
    const tokenId = input.tokenId ?? null;
    if (tokenId !== null) {
      if (!Number.isInteger(tokenId) || tokenId < 1) fail('tokenId must be a positive integer.');
      if (userId !== null || usageKey !== null) fail('A token\'s limit names the token only: send tokenId without userId and usageKey.');
      return { userId: null, usageKey: null, tokenId };
    }
    if (userId === null) fail('Say whom the limit is for: userId (with usageKey for one slot), or tokenId.');
    if (typeof userId !== 'string' || userId.length < 1 || userId.length > 64) fail('userId must be 1 to 64 characters.');
    if (usageKey !== null && (typeof usageKey !== 'string' || usageKey.length < 1 || usageKey.length > 64)) fail('usageKey must be 1 to 64 characters.');
    return { userId, usageKey, tokenId: null };
  }

  private limits(input: SetRateLimitInput): { rpm: number | null; tpm: number | null; concurrent: number | null } {
    try {
      return checkedRateLimits({ rpm: input.rpm, tpm: input.tpm, concurrent: input.concurrent }, 'The rate limit') ?? NO_LIMITS;
    } catch (error) {
      throw new LlmManagerError('VALIDATION_FAILED', (error as Error).message, { cause: error });
    }
  }
}

function scopeOf(row: RateLimitEntity): RateLimitScopeKind {
  if (row.tokenId !== null) return 'token';
  return row.usageKey === null ? 'user' : 'slot';
}

function view(row: RateLimitEntity): RateLimitView {
  return {
    id: row.id,
    scope: scopeOf(row),
    userId: row.userId,
    usageKey: row.usageKey,
    tokenId: row.tokenId,
    rpm: row.rpm,
    tpm: row.tpm,
    concurrent: row.concurrent,
  };
}
