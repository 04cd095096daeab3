import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, type SelectQueryBuilder } from 'typeorm';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';
import { RetiredModelEntity } from '../database/retired-model.entity';
import { UsageLogEntryEntity } from '../database/usage-log-entry.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { DEFAULT_REQUEST_LOG_PAGE, MAX_REQUEST_LOG_PAGE, type RequestLogEntry, type RequestLogFilter, type RequestLogPage } from './request-log.types';
import { UsageLedger } from './usage-ledger';
import { UsageSqlDialect } from './usage-sql-dialect';
import { microUsdToUsd } from './usage-totals';

type Rows = SelectQueryBuilder<UsageLogEntryEntity>;
interface Position {
  at: Date;
  id: number;
}

/**
 * The request log (issue 19): one line per call, newest first, in keyset pages over `(created_at, id)` so a page
 * costs the same on row 50 and on row 5,000,000 and rows written meanwhile never shift one onto the next page twice.
 * Model and platform names come from the live tables, else from `llm_retired_models`.
 */
@Injectable()
export class RequestLogService {
  private readonly dialect: UsageSqlDialect;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(UsageLedger) private readonly ledger: Pick<UsageLedger, 'flush'>,
  ) {
    this.dialect = UsageSqlDialect.of(dataSource);
  }

  /** One page of the calls matching `filter`, after `cursor` (a previous page's `next_cursor`). */
  async page(filter: RequestLogFilter, limit = DEFAULT_REQUEST_LOG_PAGE, cursor?: string): Promise<RequestLogPage> {
    await this.ledger.flush();
    const size = Math.max(1, Math.min(MAX_REQUEST_LOG_PAGE, Math.floor(limit)));
    const items = await this.read(filter, size + 1, cursor === undefined ? undefined : readCursor(cursor));
    const more = items.length > size;
    const page = more ? items.slice(0, size) : items;
    const last = page[page.length - 1];
    return { items: page, next_cursor: more && last ? `${Date.parse(last.created_at)}_${last.id}` : null };
  }

  /** Every call matching `filter`, newest first, `chunk` rows per statement: for streaming exports. */
  async *all(filter: RequestLogFilter, chunk = 1000): AsyncGenerator<RequestLogEntry[]> {
    await this.ledger.flush();
    let after: Position | undefined;
    for (;;) {
      const items = await this.read(filter, chunk, after);
      if (items.length > 0) yield items;
      if (items.length < chunk) return;
      const last = items[items.length - 1]!;
      after = { at: new Date(last.created_at), id: last.id };
    }
  }

  private async read(filter: RequestLogFilter, take: number, after: Position | undefined): Promise<RequestLogEntry[]> {
    const query = this.matching(filter);
    if (after !== undefined) {
      const at = this.dialect.dateTime(after.at);
      // `created_at <= t` bounds the index range on every engine; the OR only filters the rows at `t` itself.
      query.andWhere('u.createdAt <= :afterAt', { afterAt: at }).andWhere(
        new Brackets((or) => or.where('u.createdAt < :afterAt', { afterAt: at }).orWhere('u.id < :afterId', { afterId: after.id })),
      );
    }
    const { entities, raw } = await query
      .addSelect('COALESCE(m.displayName, r.displayName)', 'model_name')
      .addSelect('COALESCE(p.name, r.platformName)', 'platform_name')
      .addSelect('m.id', 'live_model_id')
      .orderBy('u.createdAt', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(take)
      .getRawAndEntities<{ model_name: string | null; platform_name: string | null; live_model_id: unknown }>();
    return entities.map((row, index) => toEntry(row, raw[index]!));
  }

  private matching(filter: RequestLogFilter): Rows {
    const query = this.dataSource
      .createQueryBuilder(UsageLogEntryEntity, 'u')
      .leftJoin(ModelEntity, 'm', 'm.id = u.modelId')
      .leftJoin(PlatformEntity, 'p', 'p.id = m.platformId')
      .leftJoin(RetiredModelEntity, 'r', 'r.modelId = u.modelId');
    if (filter.userId !== undefined) query.andWhere('u.userId = :userId', { userId: filter.userId });
    if (filter.since !== undefined) query.andWhere('u.createdAt >= :since', { since: this.dialect.dateTime(filter.since) });
    if (filter.until !== undefined) query.andWhere('u.createdAt < :until', { until: this.dialect.upperBound(filter.until) });
    if (filter.usageKey !== undefined) query.andWhere('u.usageKey = :usageKey', { usageKey: filter.usageKey });
    if (filter.agentName !== undefined) query.andWhere('u.agentName = :agentName', { agentName: filter.agentName });
    if (filter.modelId !== undefined) query.andWhere('u.modelId = :modelId', { modelId: filter.modelId });
    if (filter.outcome !== undefined) query.andWhere('u.outcome = :outcome', { outcome: filter.outcome });
    if (filter.modelName !== undefined) {
      query.andWhere('COALESCE(m.displayName, r.displayName) = :modelName', { modelName: filter.modelName });
    }
    if (filter.platformName !== undefined) {
      query.andWhere('COALESCE(p.name, r.platformName) = :platformName', { platformName: filter.platformName });
    }
    return query;
  }
}

function toEntry(row: UsageLogEntryEntity, raw: { model_name: string | null; platform_name: string | null; live_model_id: unknown }): RequestLogEntry {
  return {
    id: Number(row.id),
    created_at: row.createdAt.toISOString(),
    user_id: row.userId,
    usage_key: row.usageKey,
    agent_name: row.agentName,
    model_id: row.modelId,
    model_name: raw.model_name ?? null,
    platform_name: raw.platform_name ?? null,
    model_deleted: row.modelId !== null && (raw.live_model_id === null || raw.live_model_id === undefined),
    outcome: row.outcome,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    total_tokens: row.totalTokens,
    cost: row.costMicroUsd === null ? null : microUsdToUsd(row.costMicroUsd),
    latency_ms: row.latencyMs,
    attempt: row.attempt,
    error_code: row.errorCode,
    error_detail: row.errorDetail,
  };
}

/** `1767312000000_4182` → the position after which the next page starts. */
function readCursor(cursor: string): Position {
  const [ms, id] = cursor.split('_').map(Number);
  return { at: new Date(ms!), id: id! };
}
