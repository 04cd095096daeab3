import 'reflect-metadata';
import { existsSync } from 'fs';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { TempStore } from '../support/temp-store';

describe('schema from migrations (SQLite file)', () => {
  const store = new TempStore();
  afterAll(() => store.remove());

  it('builds every table from an empty database and matches the entities exactly', async () => {
    expect(existsSync(store.dbPath)).toBe(false);
    const dataSource = await openDataSource({ type: 'better-sqlite3', database: store.dbPath });
    try {
      const ran = await dataSource.runMigrations({ transaction: 'all' });
      expect(ran.map((m) => m.name)).toEqual([
        'InitialSchema1767225600000',
        'UsageOutcome1767312000000',
        'ApiTokens1767398400000',
        'ConfigVersion1767484800000',
      ]);

      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      const tables = (await dataSource.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )) as Array<{ name: string }>;
      expect(tables.map((t) => t.name)).toEqual([
        'llm_api_tokens',
        'llm_mgr_config_version',
        'llm_mgr_meta',
        'llm_mgr_migrations',
        'llm_models',
        'llm_platforms',
        'llm_sys_platform_keys',
        'llm_user_selections',
        'usage_log_entries',
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('has the seed columns on usage_log_entries and answers one user\'s time range from the index', async () => {
    const dataSource = await openDataSource({ type: 'better-sqlite3', database: store.dbPath });
    try {
      const columns = (await dataSource.query('PRAGMA table_info(usage_log_entries)')) as Array<{ name: string }>;
      expect(columns.map((c) => c.name)).toEqual(
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
      const plan = (await dataSource.query(
        'EXPLAIN QUERY PLAN SELECT SUM(total_tokens) FROM usage_log_entries WHERE user_id = ? AND created_at >= ?',
        ['u1', '2026-01-01'],
      )) as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join('\n')).toContain('IDX_usage_log_entries_user_created');
    } finally {
      await dataSource.destroy();
    }
  });

  it('running the migrations again on a migrated database does nothing', async () => {
    const dataSource = await openDataSource({ type: 'better-sqlite3', database: store.dbPath });
    try {
      expect(await dataSource.runMigrations({ transaction: 'all' })).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
