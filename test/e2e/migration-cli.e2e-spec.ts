import { spawnSync } from 'child_process';
import { existsSync, statSync } from 'fs';
import { join } from 'path';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { LLM_MANAGER_MIGRATIONS } from '../../src/llm-manager/migrations';
import { TempStore } from '../support/temp-store';

const ROOT = join(__dirname, '..', '..');
const LAST = LLM_MANAGER_MIGRATIONS.map((migration) => migration.name).at(-1)!;

/**
 * `npm run migration:*` (config/data-source.ts) as an operator types it, in the folder of a deployment: there, the
 * default SQLite file `llm_config.db`; on PostgreSQL/MariaDB, the run's own place through `LLM_MGR_DATABASE_URL`.
 */
describe('the TypeORM CLI behind npm run migration:*', () => {
  jest.setTimeout(120_000);
  const store = new TempStore();
  afterAll(() => store.remove());

  const npmRun = (script: string, ...args: string[]): { status: number | null; output: string } => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
    if (store.database.engine !== 'sqlite') env.LLM_MGR_DATABASE_URL = store.database.url;
    const run = spawnSync('npm', ['--prefix', ROOT, 'run', script, '--', ...args], { cwd: store.dir, env, encoding: 'utf8', timeout: 90_000 });
    return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
  };
  const appliedMigrations = async (): Promise<string[]> => {
    const dataSource = await openDataSource(store.database.options);
    try {
      const schema = (store.database.options as { schema?: string }).schema;
      const table = schema ? `"${schema}".llm_mgr_migrations` : 'llm_mgr_migrations';
      const rows: Array<{ name: string }> = await dataSource.query(`SELECT name FROM ${table} ORDER BY id`);
      return rows.map((row) => row.name);
    } finally {
      await dataSource.destroy();
    }
  };

  it('migration:run builds the schema in the database of the folder it is typed in', async () => {
    const run = npmRun('migration:run');
    expect(run.status).toBe(0);
    expect(run.output).toContain(`Migration ${LAST} has been executed successfully.`);
    expect(existsSync(join(store.dir, 'llm_config.db'))).toBe(store.database.engine === 'sqlite');
    // Created by the CLI as the server creates it: readable by its owner only.
    if (store.database.engine === 'sqlite') expect(statSync(join(store.dir, 'llm_config.db')).mode & 0o777).toBe(0o600);
    expect(await appliedMigrations()).toEqual(LLM_MANAGER_MIGRATIONS.map((migration) => migration.name));
  });

  it('migration:generate --check finds the migrated schema equal to the entities', () => {
    const check = npmRun('migration:generate', '--check', join(store.dir, 'Unexpected'));
    expect({ status: check.status, said: check.output.includes('No changes in database schema were found') }).toEqual({ status: 0, said: true });
  });

  it('migration:revert undoes the last migration, and migration:run applies it again', async () => {
    const revert = npmRun('migration:revert');
    expect(revert.status).toBe(0);
    expect(revert.output).toContain(`Migration ${LAST} has been reverted successfully.`);
    expect(await appliedMigrations()).not.toContain(LAST);
    expect(npmRun('migration:run').status).toBe(0);
    expect((await appliedMigrations()).at(-1)).toBe(LAST);
  });
});
