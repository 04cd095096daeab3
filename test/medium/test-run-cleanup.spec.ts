import { execFileSync } from 'child_process';
import { createTestDatabase, type TestDatabase } from '../support/test-engine';
import { rmSync } from 'fs';
import { ledgerPath, RUN_ENV, teardown } from '../support/test-run';

function exists(database: TestDatabase): boolean {
  const name = database.engine === 'postgres' ? (database.options as { schema: string }).schema : String(database.options.database);
  const output =
    database.engine === 'postgres'
      ? execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-qAtc', `SELECT count(*) FROM pg_namespace WHERE nspname = '${name}'`])
      : execFileSync('mariadb', ['-h', '127.0.0.1', '-u', 'root', '-N', '-e', `SELECT count(*) FROM information_schema.schemata WHERE schema_name = '${name}'`]);
  return output.toString().trim() === '1';
}

/**
 * A spec that fails before its afterAll (or whose afterAll throws) must not leave its schema/database on the shared
 * servers: the run's global teardown drops every place the run noted. Here under a run name of its own, so the
 * teardown called below touches only what this spec made.
 */
describe('the places of a test run', () => {
  const outer = process.env[RUN_ENV];
  afterEach(() => {
    if (outer === undefined) delete process.env[RUN_ENV];
    else process.env[RUN_ENV] = outer;
  });

  it('are dropped by the run\'s teardown even when no spec dropped them, and other runs\' places are kept', async () => {
    const [thisRun, otherRun] = ['cleanup', 'other'].map((name) => `${name}${Date.now().toString(36)}`);
    process.env[RUN_ENV] = thisRun;
    const left = [createTestDatabase('postgres', ''), createTestDatabase('mariadb', '')];
    process.env[RUN_ENV] = otherRun;
    const others = [createTestDatabase('postgres', ''), createTestDatabase('mariadb', '')];
    try {
      expect(left.map(exists)).toEqual([true, true]);
      process.env[RUN_ENV] = thisRun;
      await teardown();
      expect(left.map(exists)).toEqual([false, false]);
      expect(others.map(exists)).toEqual([true, true]);
    } finally {
      for (const database of others) database.drop();
      rmSync(ledgerPath(otherRun), { force: true });
    }
  });
});
