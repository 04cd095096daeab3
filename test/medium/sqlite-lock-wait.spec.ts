import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { MetaEntity } from '../../src/llm-manager/database/meta.entity';
import { holdSqliteWriteLock } from '../support/sqlite-lock-holder';
import { TempStore } from '../support/temp-store';

/** How long another process holds the write lock: past the sqlite3 package's own 1 s, well inside better-sqlite3's 5 s. */
const HOLD_MS = 1_800;

/**
 * Both SQLite drivers wait the same for a lock another process holds (a CLI command, a second instance, a backup):
 * better-sqlite3's default is 5 s; the sqlite3 package's own would give up after 1 s with SQLITE_BUSY.
 */
describe.each(['better-sqlite3', 'sqlite'] as const)('a write on %s while another process holds the lock', (type) => {
  let store: TempStore;
  let dataSource: DataSource;

  beforeEach(async () => {
    store = new TempStore();
    dataSource = await openDataSource({ type, database: store.dbPath });
    await dataSource.runMigrations({ transaction: 'all' });
  });
  afterEach(async () => {
    await dataSource.destroy();
    store.remove();
  });

  it('waits for the lock and succeeds', async () => {
    const { released } = await holdSqliteWriteLock(store.dbPath, HOLD_MS);
    const started = Date.now();
    await dataSource.getRepository(MetaEntity).insert({ key: 'lock-wait', value: 'written' });
    expect(Date.now() - started).toBeGreaterThan(HOLD_MS / 2);
    await released;
    expect(await dataSource.getRepository(MetaEntity).findOneBy({ key: 'lock-wait' })).toMatchObject({ value: 'written' });
  });
});
