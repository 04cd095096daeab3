import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { assertUnreachable, LlmManagerError } from '../common/llm-manager.error';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';
import { RetiredModelEntity } from '../database/retired-model.entity';
import { UsageLogEntryEntity } from '../database/usage-log-entry.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { Clock } from './clock';
import type {
  AgentUsage,
  ModelUsage,
  TimelinePoint,
  TimelineQuery,
  TopUsers,
  UsageFilter,
  UsageRange,
  UsageSummary,
  UserUsage,
} from './usage-query.types';
import { UsageSqlDialect, type UsageGranularity } from './usage-sql-dialect';
import { UsageLedger } from './usage-ledger';
import { selectDetails, selectTotals, toCount, toDetails, toSummary, type RawDetails, type RawTotals } from './usage-totals';

/** Rows one purge statement deletes at most, so concurrent usage writes never wait long on its locks. */
export const PURGE_CHUNK_ROWS = 5_000;
/** Rows of the first purge statement; later ones are sized from how long the previous one took. */
export const PURGE_FIRST_CHUNK_ROWS = 500;
/** Fewest rows a purge statement deletes, so a slow disk cannot turn a purge into one commit per row. */
const PURGE_MIN_CHUNK_ROWS = 50;
/**
 * How long one purge statement should hold the database. On SQLite a chunk blocks every writer (and, with
 * better-sqlite3, the event loop) for its whole duration: 5,000 rows took up to 240 ms there (bench P5).
 */
export const PURGE_CHUNK_TARGET_MS = 10;
/** Longest timeline answered, in buckets (over a year of hours). */
export const MAX_TIMELINE_BUCKETS = 10_000;

const STEP_MS: Readonly<Record<UsageGranularity, number>> = { hour: 3_600_000, day: 86_400_000 };

type Rows = SelectQueryBuilder<UsageLogEntryEntity>;

/**
 * Reads `usage_log_entries` (M15, M16). Every read first writes what the ledger holds (rows still being counted,
 * rows queued), so it sees every call this process has ended; when that write fails the read fails with it rather than answer without the queued calls. A range on
 * one user is served by the index `(user_id, created_at)`; time bounds are half-open (`since <= created_at < until`)
 * and compared in UTC on every engine.
 */
@Injectable()
export class UsageQueryService {
  private readonly dialect: UsageSqlDialect;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    // Only `flush` is needed: a bare UsageWriter (tests, benchmarks, the CLI's own store) serves as well.
    @Inject(UsageLedger) private readonly ledger: Pick<UsageLedger, 'flush'>,
    private readonly clock: Clock,
  ) {
    this.dialect = UsageSqlDialect.of(dataSource);
  }

  /** Totals of the rows matching `filter`; zeros when none do. */
  async summary(filter: UsageFilter = {}): Promise<UsageSummary> {
    await this.ledger.flush();
    return toSummary(await selectTotals(this.rows(filter)).getRawOne<RawTotals>());
  }

  /** A user's usage per model, most tokens first; a deleted model by the names it had (`model_deleted`). */
  async byModel(userId: string, range: UsageRange = {}): Promise<ModelUsage[]> {
    return this.perModel({ userId, ...range });
  }

  /** A user's usage per agent name, most tokens first; calls made without an agent name share `null`. */
  async byAgent(userId: string, range: UsageRange = {}): Promise<AgentUsage[]> {
    return this.perAgent({ userId, ...range });
  }

  /** Every user's usage per model over `range`, most tokens first: for admins (issue 19). */
  modelTotals(range: UsageRange = {}): Promise<ModelUsage[]> {
    return this.perModel(range);
  }

  /** Every user's usage per agent name over `range`, most tokens first: for admins (issue 19). */
  agentTotals(range: UsageRange = {}): Promise<AgentUsage[]> {
    return this.perAgent(range);
  }

  /** Every user's totals, most tokens first: for admins. */
  async userTotals(range: UsageRange = {}): Promise<UserUsage[]> {
    await this.ledger.flush();
    const raws = await selectTotals(this.rows(range))
      .addSelect('u.userId', 'user_id')
      .groupBy('u.userId')
      .getRawMany<RawTotals & { user_id: string }>();
    return mostTokensFirst(raws.map((raw) => ({ user_id: String(raw.user_id), ...toSummary(raw) })));
  }

  /**
   * The `limit` users with the most tokens over `range` whose id contains `search` (any case), and how many users
   * matched in all: the dashboard's top-N, whatever the number of users (issue 19).
   */
  async topUsers(range: UsageRange, search: string | undefined, limit: number): Promise<TopUsers> {
    const needle = search?.trim().toLowerCase() ?? '';
    const matched = (await this.userTotals(range)).filter((user) => user.user_id.toLowerCase().includes(needle));
    return { matched_users: matched.length, users: matched.slice(0, limit) };
  }

  private async perModel(filter: UsageFilter): Promise<ModelUsage[]> {
    await this.ledger.flush();
    const raws = await selectTotals(this.rows(filter))
      .addSelect('u.modelId', 'model_id')
      .addSelect('COALESCE(m.displayName, r.displayName)', 'model_name')
      .addSelect('COALESCE(p.name, r.platformName)', 'platform_name')
      .addSelect('MAX(m.id)', 'live_model_id')
      .leftJoin(ModelEntity, 'm', 'm.id = u.modelId')
      .leftJoin(PlatformEntity, 'p', 'p.id = m.platformId')
      .leftJoin(RetiredModelEntity, 'r', 'r.modelId = u.modelId')
      .groupBy('u.modelId')
      .addGroupBy('m.displayName')
      .addGroupBy('p.name')
      .addGroupBy('r.displayName')
      .addGroupBy('r.platformName')
      .getRawMany<RawTotals & { model_id: unknown; model_name: string | null; platform_name: string | null; live_model_id: unknown }>();
    return mostTokensFirst(
      raws.map((raw) => ({
        model_id: raw.model_id === null ? null : Number(raw.model_id),
        model_name: raw.model_name ?? null,
        platform_name: raw.platform_name ?? null,
        model_deleted: raw.model_id !== null && raw.live_model_id === null,
        ...toSummary(raw),
      })),
    );
  }

  private async perAgent(filter: UsageFilter): Promise<AgentUsage[]> {
    await this.ledger.flush();
    const raws = await selectTotals(this.rows(filter))
      .addSelect('u.agentName', 'agent_name')
      .groupBy('u.agentName')
      .getRawMany<RawTotals & { agent_name: string | null }>();
    return mostTokensFirst(raws.map((raw) => ({ agent_name: raw.agent_name ?? null, ...toSummary(raw) })));
  }

  /** Tokens, requests and errors per UTC hour or day, from the bucket holding `since` up to `until`, gaps as zeros. */
  async timeline(userId: string, query: TimelineQuery): Promise<TimelinePoint[]> {
    const { granularity, since } = query;
    const until = query.until ?? this.clock.now();
    const step = STEP_MS[granularity];
    const first = Math.floor(since.getTime() / step) * step;
    const buckets = until > since ? Math.ceil((until.getTime() - first) / step) : 0;
    if (buckets > MAX_TIMELINE_BUCKETS) {
      throw new LlmManagerError(
        'VALIDATION_FAILED',
        `A timeline of ${buckets} ${granularity}s is too long (at most ${MAX_TIMELINE_BUCKETS}). ` +
          'Shorten the range or use granularity "day".',
        { details: { granularity, buckets } },
      );
    }
    await this.ledger.flush();
    const raws = await selectDetails(
      this.rows({ userId, since, until })
        .select(this.dialect.bucket(granularity, 'u.createdAt'), 'bucket')
        .addSelect('COALESCE(SUM(u.totalTokens), 0)', 'tokens')
        .addSelect('COUNT(*)', 'requests')
        .addSelect('COALESCE(SUM(CASE WHEN u.success = 0 THEN 1 ELSE 0 END), 0)', 'errors'),
    )
      .groupBy(this.dataSource.driver.escape('bucket'))
      .getRawMany<RawDetails & { bucket: string; tokens: unknown; requests: unknown; errors: unknown }>();
    const byBucket = new Map(raws.map((raw) => [raw.bucket, raw]));
    const points: TimelinePoint[] = [];
    for (let index = 0; index < buckets; index += 1) {
      const key = bucketKey(granularity, first + index * step);
      const raw = byBucket.get(key);
      points.push({
        time: granularity === 'hour' ? `${key}:00` : key,
        tokens: toCount(raw?.tokens),
        requests: toCount(raw?.requests),
        errors: toCount(raw?.errors),
        ...toDetails(raw),
      });
    }
    return points;
  }

  /**
   * Deletes rows with `created_at < olderThan` in chunks and returns how many went. A chunk is the oldest rows
   * still matching, picked through the `created_at` index in a derived table (neither PostgreSQL nor MySQL accepts
   * `DELETE … ORDER BY … LIMIT` portably, and MySQL refuses a plain subquery on the table being deleted from).
   * Chunks are sized to take about `PURGE_CHUNK_TARGET_MS` each (between `PURGE_MIN_CHUNK_ROWS` and
   * `PURGE_CHUNK_ROWS` rows), so a usage write in between waits about that long at most, whatever the disk.
   */
  async purge(olderThan: Date): Promise<number> {
    await this.ledger.flush();
    const before = this.dialect.dateTime(olderThan);
    const table = UsageSqlDialect.usageTable(this.dataSource);
    let deleted = 0;
    let chunkRows = Math.min(PURGE_FIRST_CHUNK_ROWS, PURGE_CHUNK_ROWS);
    for (;;) {
      const started = performance.now();
      const { affected } = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(UsageLogEntryEntity)
        .where(
          `id IN (SELECT id FROM (SELECT id FROM ${table} WHERE created_at < :before ORDER BY created_at ` +
            `LIMIT ${chunkRows}) chunk)`,
          { before },
        )
        .execute();
      deleted += affected ?? 0;
      if ((affected ?? 0) < chunkRows) return deleted;
      chunkRows = nextChunkRows(chunkRows, performance.now() - started);
      // better-sqlite3 runs synchronously: give queued usage writes their turn between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Rows of `usage_log_entries` matching `filter`; conditions in index order (user_id, created_at). */
  private rows(filter: UsageFilter): Rows {
    const query = this.dataSource.createQueryBuilder(UsageLogEntryEntity, 'u');
    if (filter.userId !== undefined) query.andWhere('u.userId = :userId', { userId: filter.userId });
    if (filter.since !== undefined) {
      query.andWhere('u.createdAt >= :since', { since: this.dialect.dateTime(filter.since) });
    }
    if (filter.until !== undefined) {
      query.andWhere('u.createdAt < :until', { until: this.dialect.upperBound(filter.until) });
    }
    if (filter.modelId !== undefined) query.andWhere('u.modelId = :modelId', { modelId: filter.modelId });
    if (filter.agentName !== undefined) query.andWhere('u.agentName = :agentName', { agentName: filter.agentName });
    return query;
  }
}

/** The next chunk's size: scaled toward the target duration, at most doubling, within the bounds. */
export function nextChunkRows(rows: number, tookMs: number): number {
  const scaled = Math.floor((rows * PURGE_CHUNK_TARGET_MS) / Math.max(tookMs, 1));
  return Math.max(PURGE_MIN_CHUNK_ROWS, Math.min(PURGE_CHUNK_ROWS, 2 * rows, scaled));
}

function mostTokensFirst<T extends UsageSummary>(rows: T[]): T[] {
  return rows.sort((a, b) => b.tokens - a.tokens || b.requests - a.requests);
}

/** The SQL bucket label of the UTC hour or day starting at `ms`, as `UsageSqlDialect.bucket` produces it. */
function bucketKey(granularity: UsageGranularity, ms: number): string {
  const iso = new Date(ms).toISOString();
  switch (granularity) {
    case 'hour':
      return `${iso.slice(0, 10)} ${iso.slice(11, 13)}`;
    case 'day':
      return iso.slice(0, 10);
    default:
      return assertUnreachable(granularity);
  }
}
