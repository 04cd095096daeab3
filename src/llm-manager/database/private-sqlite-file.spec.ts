import { mkdtempSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openDataSource } from './data-source.factory';

// Both SQLite drivers: better-sqlite3 (the default) and the sqlite3 package (TypeORM's type 'sqlite').
describe.each(['better-sqlite3', 'sqlite'] as const)('the SQLite file llm-mgr creates (%s)', (type) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-sqlite-mode-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is readable by its owner only (0600), whatever the umask, and stays so after migrations', async () => {
    const file = join(dir, 'llm_config.db');
    const previous = process.umask(0o022);
    try {
      const dataSource = await openDataSource({ type, database: file });
      await dataSource.runMigrations({ transaction: 'all' });
      await dataSource.destroy();
    } finally {
      process.umask(previous);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("leaves an existing file's mode as the operator set it", async () => {
    const file = join(dir, 'shared.db');
    writeFileSync(file, '', { mode: 0o640 });
    const dataSource = await openDataSource({ type, database: file });
    await dataSource.destroy();
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });
});
