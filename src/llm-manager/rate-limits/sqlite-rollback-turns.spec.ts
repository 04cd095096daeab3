import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { LLM_MANAGER_ENTITIES } from '../database/entities';
import { TransactionTurns } from '../database/transaction-turns';
import { LLM_MANAGER_MIGRATIONS, LLM_MANAGER_MIGRATIONS_TABLE } from '../migrations';
import { DatabaseRateLimitStore } from './database-rate-limit-store';
import type { LimitCheck } from './rate-limit-rules';
import type { Acquisition } from './rate-limit-store';

/**
 * SQLite gives a process one shared connection: a refused check's ROLLBACK undid whatever other work ran on it
 * meanwhile — another user's count, a batch of usage rows (found in review; 37 of 40 interleavings lost them). Writes
 * that may meet the call path's transactions take turns with them (TransactionTurns).
 */
describe.each(['better-sqlite3', 'sqlite'] as const)('SQLite (%s): a refused rate-limit check undoes nothing of other work', (type) => {
  const now = Date.now();
  const windowStart = now - (now % 60_000);
  const concurrentOne = { key: 'u:a', scope: 'user', ruleId: 1, rpm: null, tpm: null, concurrent: 1 } as unknown as LimitCheck;
  const rpmOnly = { key: 'u:b', scope: 'user', ruleId: 2, rpm: 100, tpm: null, concurrent: null } as unknown as LimitCheck;
  const hold = (callId: string, check: LimitCheck): Acquisition => ({ callId, checks: [check], tokens: 0, windowStart, leaseUntil: now + 30_000, spares: null });

  it.each(Array.from({ length: 12 }, (_, i) => i * 3))('the other user\'s count and a usage-row insert survive (interleaving %i)', async (offset) => {
    // The schema as the product builds it: from the migrations.
    const dataSource = new DataSource({
      type, database: ':memory:', entities: LLM_MANAGER_ENTITIES,
      migrations: LLM_MANAGER_MIGRATIONS, migrationsTableName: LLM_MANAGER_MIGRATIONS_TABLE, migrationsRun: true,
    });
    await dataSource.initialize();
    try {
      await dataSource.query('CREATE TABLE usage_rows (v INTEGER)');
      const turns = TransactionTurns.of(dataSource);
      const store = new DatabaseRateLimitStore(dataSource, turns);
      await store.acquire(hold('A', concurrentOne), now); // user a: one call in flight, her limit
      await store.acquire(hold('warm', rpmOnly), now);
      const refused = store.acquire(hold('B', concurrentOne), now); // refused: its transaction rolls back
      for (let i = 0; i < offset; i += 1) await Promise.resolve();
      const other = store.acquire(hold('C', rpmOnly), now); // user b's call, counted outside any transaction
      const row = turns.run(() => dataSource.query('INSERT INTO usage_rows VALUES (1)')); // as UsageWriter inserts
      const [refusal, admitted] = await Promise.all([refused, other, row]);
      expect(refusal.refusal).not.toBeNull();
      expect(admitted).toEqual({ refusal: null, grants: null });
      expect(await dataSource.query('SELECT COUNT(*) AS n FROM usage_rows')).toEqual([{ n: 1 }]);
      expect(await dataSource.query("SELECT requests FROM llm_rate_limit_counters WHERE limit_key = 'u:b'")).toEqual([{ requests: 2 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
