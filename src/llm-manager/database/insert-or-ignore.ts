import type { ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * Inserts `rows`, skipping those a unique index already holds (ON CONFLICT DO NOTHING / INSERT OR IGNORE / INSERT
 * IGNORE): how racing first uses create a row once without a lock. MariaDB may pick one of two such inserts as a
 * deadlock victim (gap locks of the unique index): that statement did nothing, so it is simply run again.
 */
export async function insertOrIgnore<T extends ObjectLiteral>(repository: Repository<T>, rows: QueryDeepPartialEntity<T>[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await repository.createQueryBuilder().insert().values(rows).orIgnore().updateEntity(false).execute();
      return;
    } catch (error) {
      if (attempt >= 3 || !isDeadlock(error)) throw error;
    }
  }
}

/** MySQL/MariaDB's "Deadlock found when trying to get lock" (1213): the statement was rolled back and may be retried. */
function isDeadlock(error: unknown): boolean {
  const driverError = (error as { driverError?: { errno?: number; code?: string } }).driverError;
  return driverError?.errno === 1213 || driverError?.code === 'ER_LOCK_DEADLOCK';
}
