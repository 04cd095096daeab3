import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { TickLease } from '../../src/llm-manager/cluster/tick-lease';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { MetaEntity } from '../../src/llm-manager/database/meta.entity';
import { TempStore } from '../support/temp-store';

const TICK = new Date('2026-01-02T03:00:00.000Z');

/** The lease behind "one purge per tick" (B7), on the engine of this run: a taken tick is a plain `false`, never an error. */
describe('TickLease', () => {
  const store = new TempStore();
  let dataSource: DataSource;
  let lease: TickLease;

  beforeAll(async () => {
    dataSource = await openDataSource(store.database.options);
    await dataSource.runMigrations({ transaction: 'all' });
    lease = new TickLease(dataSource.getRepository(MetaEntity));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    store.remove();
  });

  it('gives a tick to its first claimant only; a second claim of the same tick is refused, not an error', async () => {
    expect(await lease.claim('purge', TICK)).toBe(true);
    expect(await lease.claim('purge', TICK)).toBe(false);
  });

  it('clears earlier ticks of the job when a later one is claimed, and leaves other jobs alone', async () => {
    expect(await lease.claim('other', TICK)).toBe(true);
    expect(await lease.claim('purge', new Date(TICK.getTime() + 1_000))).toBe(true);
    const keys = (await dataSource.getRepository(MetaEntity).find()).map((row) => row.key).filter((key) => key.includes('@'));
    expect(keys.sort()).toEqual(['other@2026-01-02T03:00:00.000Z', 'purge@2026-01-02T03:00:01.000Z']);
  });
});
