import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { UserSelectionEntity } from '../../src/llm-manager/database/user-selection.entity';
import { LLM_MANAGER_MIGRATIONS } from '../../src/llm-manager/migrations';
import { UsageSqlDialect } from '../../src/llm-manager/usage/usage-sql-dialect';
import { ownTableNames } from '../support/own-tables';
import { TempStore } from '../support/temp-store';

/** The migrations a database had before ExactTextCompare1767830400000 (the upgrade case starts there). */
const BEFORE_EXACT_TEXT = LLM_MANAGER_MIGRATIONS.findIndex((migration) => migration.name === 'ExactTextCompare1767830400000');

/** `table.column` of text columns that fold case or accents (MySQL/MariaDB; other engines compare exactly anyway). */
async function caseFoldingColumns(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'mariadb' && dataSource.options.type !== 'mysql') return [];
  const tables = dataSource.entityMetadatas.map((entity) => entity.tableName);
  const rows = (await dataSource.query(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
       AND TABLE_NAME IN (${tables.map(() => '?').join(', ')}) AND COLLATION_NAME IS NOT NULL AND COLLATION_NAME NOT LIKE '%\\_bin'`,
    tables,
  )) as Array<{ t: string; c: string }>;
  return rows.map((row) => `${row.t}.${row.c}`).sort();
}

describe('schema from migrations (on the engine of this run, in an empty schema/database)', () => {
  const store = new TempStore();
  const open = (): Promise<DataSource> => openDataSource(store.options().database!);
  afterAll(() => store.remove());

  it('builds every table from an empty database and matches the entities exactly', async () => {
    const dataSource = await open();
    try {
      const ran = await dataSource.runMigrations({ transaction: 'all' });
      expect(ran.map((m) => m.name)).toEqual([
        'InitialSchema1767225600000',
        'UsageOutcome1767312000000',
        'ApiTokens1767398400000',
        'ConfigVersion1767484800000',
        'UsageCoveringIndex1767571200000',
        'UtcTimestamps1767657600000',
        'UsageCallId1767744000000',
        'ExactTextCompare1767830400000',
        'PlatformAnsweredAt1767916800000',
        'UsageBothCounts1768003200000',
        'ModelPrices1768089600000',
        'ApiTokenControls1768176000000',
        'Budgets1768262400000',
        'SlotFallbacks1768348800000',
        'UsageAttempts1768435200000',
        'RateLimits1768521600000',
        'KeyHealth1768608000000',
        'BudgetDefaults1768694400000',
        'RequestLog1768780800000',
        'PlatformHealth1768867200000',
      ]);

      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // TypeORM's diff ignores collations; on MySQL/MariaDB every text column of every entity must compare exactly.
      expect(await caseFoldingColumns(dataSource)).toEqual([]);

      // Every table of the run's own schema/database, nothing filtered: the migrations create these and no other.
      expect(await ownTableNames(dataSource)).toEqual([
        'llm_api_tokens',
        'llm_budget_reservations',
        'llm_budgets',
        'llm_key_health',
        'llm_mgr_config_version',
        'llm_mgr_meta',
        'llm_mgr_migrations',
        'llm_model_price_versions',
        'llm_models',
        'llm_platforms',
        'llm_rate_limit_counters',
        'llm_rate_limit_leases',
        'llm_rate_limits',
        'llm_retired_models',
        'llm_sys_platform_keys',
        'llm_user_selections',
        'usage_log_entries',
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('has the seed columns on usage_log_entries and answers one user\'s time range from the index', async () => {
    const dataSource = await open();
    try {
      const runner = dataSource.createQueryRunner();
      const table = await runner.getTable('usage_log_entries');
      await runner.release();
      expect(table!.columns.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'user_id',
          'model_id',
          'prompt_tokens',
          'completion_tokens',
          'total_tokens',
          'success',
          'agent_name',
          'created_at',
        ]),
      );
      expect(table!.indices.map((index) => index.name)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^IDX_usage_log_entries_user_created/)]),
      );
      if (dataSource.options.type !== 'better-sqlite3' && dataSource.options.type !== 'sqlite') return;
      const plan = (await dataSource.query(
        'EXPLAIN QUERY PLAN SELECT SUM(total_tokens) FROM usage_log_entries WHERE user_id = ? AND created_at >= ?',
        ['u1', '2026-01-01'],
      )) as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).toContain('IDX_usage_log_entries_user_created');
    } finally {
      await dataSource.destroy();
    }
  });

  it('compares text exactly: ids that differ by case, accent or a trailing space are different rows', async () => {
    const dataSource = await open();
    try {
      const lookalikes = ['bob', 'BOB', 'böb', 'bob '];
      const table = dataSource.getMetadata('UserSelectionEntity').tablePath;
      for (const userId of lookalikes) {
        // The unique (user_id, usage_key) index refuses a second row when two ids compare equal.
        await dataSource.createQueryBuilder().insert().into(table).values({ userId, usageKey: 'main' }).execute();
      }
      const rows = await dataSource.getRepository('UserSelectionEntity').findBy({ userId: 'bob' });
      expect(rows.map((row) => (row as { userId: string }).userId)).toEqual(['bob']);
    } finally {
      await dataSource.destroy();
    }
  });

  it('upgrading a database that holds data keeps every row, makes ids compare exactly and keeps usage counts apart', async () => {
    const upgrade = new TempStore();
    const older = new DataSource({ ...buildDataSourceOptions(upgrade.options().database!), migrations: LLM_MANAGER_MIGRATIONS.slice(0, BEFORE_EXACT_TEXT) });
    try {
      await older.initialize();
      await older.runMigrations({ transaction: 'all' });
      // Only the columns of that time: the entity of today has more (fallbacks).
      await older.createQueryBuilder().insert().into(UserSelectionEntity, ['userId', 'usageKey']).values({ userId: 'bob', usageKey: 'main' }).execute();
      // Rows as they were before both counts were kept: one billed its estimate beside a report, one billed the report.
      await older.query(
        `INSERT INTO ${UsageSqlDialect.usageTable(older)} (user_id, prompt_tokens, completion_tokens, total_tokens, success, usage_source, ` +
          `reported_prompt_tokens, reported_completion_tokens, created_at) VALUES ('est', 12, 6, 18, 1, 'estimated', 10, 5, '2026-01-01 00:00:00'), ` +
          `('rep', 10, 5, 15, 1, 'reported', 10, 5, '2026-01-01 00:00:00')`,
      );
      await older.destroy();
      const dataSource = await openDataSource(upgrade.options().database!);
      try {
        expect((await dataSource.runMigrations({ transaction: 'all' })).map((m) => m.name)).toEqual([
          'ExactTextCompare1767830400000',
          'PlatformAnsweredAt1767916800000',
          'UsageBothCounts1768003200000',
          'ModelPrices1768089600000',
          'ApiTokenControls1768176000000',
          'Budgets1768262400000',
          'SlotFallbacks1768348800000',
          'UsageAttempts1768435200000',
          'RateLimits1768521600000',
          'KeyHealth1768608000000',
          'BudgetDefaults1768694400000',
          'RequestLog1768780800000',
          'PlatformHealth1768867200000',
        ]);
        const usage = await dataSource.getRepository(UsageLogEntryEntity).find({ order: { userId: 'ASC' } });
        // Rows recorded before prices stay unpriced: their price at the time is unknown.
        expect(usage.map((r) => [r.userId, r.usageSource, r.estimatedPromptTokens, r.estimatedCompletionTokens, r.cachedPromptTokens, r.costMicroUsd])).toEqual([
          ['est', 'both', 12, 6, 0, null],
          ['rep', 'reported', null, null, 0, null],
        ]);
        await dataSource.getRepository(UserSelectionEntity).insert({ userId: 'BOB', usageKey: 'main' });
        const rows = await dataSource.getRepository(UserSelectionEntity).findBy({ userId: 'bob' });
        expect(rows.map((row) => row.userId)).toEqual(['bob']);
      } finally {
        await dataSource.destroy();
      }
    } finally {
      if (older.isInitialized) await older.destroy();
      upgrade.remove();
    }
  });

  it('running the migrations again on a migrated database does nothing', async () => {
    const dataSource = await open();
    try {
      expect(await dataSource.runMigrations({ transaction: 'all' })).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
