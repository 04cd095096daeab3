import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository, LessThan, Like, And } from 'typeorm';
import { isDuplicateKey } from '../database/duplicate-key';
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
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    // ISO times sort as text, so every earlier tick's row is "less than" this one.
    await this.meta.delete({ key: And(Like(`${job}@%`), LessThan(key)) });
    return true;
  }
}
