import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository, LessThan, Like, QueryFailedError, And } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { MetaEntity } from '../database/meta.entity';

/**
 * "Exactly one instance runs this tick" for scheduled jobs (B7): the first instance to insert the row
 * `<job>@<scheduled time>` into `llm_mgr_meta` wins; the others hit the primary key and stand down. Unlike an advisory
 * lock it cannot be won twice when one instance finishes before another's timer fires, and it works the same on
 * SQLite, PostgreSQL and MySQL/MariaDB.
 */
@Injectable()
export class TickLease {
  constructor(@InjectRepository(MetaEntity, LLM_MGR_DATA_SOURCE) private readonly meta: Repository<MetaEntity>) {}

  /** True for the one caller that claims `job` at `scheduledAt`; older claims of the job are cleared by the winner. */
  async claim(job: string, scheduledAt: Date): Promise<boolean> {
    const key = `${job}@${scheduledAt.toISOString()}`;
    try {
      await this.meta.insert({ key, value: new Date().toISOString() });
    } catch (error) {
      if (error instanceof QueryFailedError && isDuplicateKey(error)) return false;
      throw error;
    }
    // ISO times sort as text, so every earlier tick's row is "less than" this one.
    await this.meta.delete({ key: And(Like(`${job}@%`), LessThan(key)) });
    return true;
  }
}

function isDuplicateKey(error: QueryFailedError): boolean {
  const driverError = error.driverError as { code?: string; message?: string } | undefined;
  return (
    driverError?.code === '23505' || // PostgreSQL unique_violation
    driverError?.code === 'ER_DUP_ENTRY' || // MySQL/MariaDB
    driverError?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || // better-sqlite3: the extended code
    driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    // The sqlite3 package reports only the primary code, shared with NOT NULL, CHECK and foreign keys.
    (driverError?.code === 'SQLITE_CONSTRAINT' && /\bUNIQUE constraint failed\b/.test(driverError.message ?? ''))
  );
}
