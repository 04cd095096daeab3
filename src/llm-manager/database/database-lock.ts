import type { DataSource } from 'typeorm';
import { LlmManagerError } from '../common/llm-manager.error';

const WAIT_SECONDS = 60;

/**
 * Runs `work` while holding a lock named `name` on the database server, so instances starting together take turns
 * (migrations, the YAML import) instead of racing into duplicate tables or platforms. PostgreSQL: a session advisory
 * lock; MySQL/MariaDB: GET_LOCK. SQLite serialises writers itself: `work` just runs.
 */
export async function withDatabaseLock<T>(dataSource: DataSource, name: string, work: () => Promise<T>): Promise<T> {
  const type = dataSource.options.type;
  if (type !== 'postgres' && type !== 'mysql' && type !== 'mariadb') return work();
  // A lock belongs to one session: take and give it back on the same connection, apart from the pool `work` uses.
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (type === 'postgres') {
      await runner.query(`SET lock_timeout = '${WAIT_SECONDS}s'`);
      try {
        await runner.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      } catch (error) {
        throw busy(name, error);
      } finally {
        await runner.query('RESET lock_timeout');
      }
    } else {
      const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [name, WAIT_SECONDS])) as Array<{ acquired: unknown }>;
      if (Number(row?.acquired) !== 1) throw busy(name);
    }
    try {
      return await work();
    } finally {
      await runner.query(type === 'postgres' ? 'SELECT pg_advisory_unlock(hashtext($1))' : 'SELECT RELEASE_LOCK(?)', [name]);
    }
  } finally {
    await runner.release();
  }
}

function busy(name: string, cause?: unknown): LlmManagerError {
  return new LlmManagerError(
    'DATABASE_BUSY',
    `Another instance held the database lock "${name}" for over ${WAIT_SECONDS} s (a start-up or a YAML sync). ` +
      'Wait for it to finish and try again; if no instance is starting, look for a stuck session holding it.',
    { cause },
  );
}
