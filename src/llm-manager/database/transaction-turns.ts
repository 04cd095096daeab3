import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';

/**
 * SQLite drivers give a process one shared connection, on which two transactions cannot overlap: the call path's
 * transactions (budget reservations, rate-limit leases) take turns here. On server databases each has a pooled
 * connection of its own and runs at once.
 */
@Injectable()
export class TransactionTurns {
  private readonly serialised: boolean;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource(LLM_MGR_DATA_SOURCE) dataSource: DataSource) {
    this.serialised = dataSource.options.type === 'sqlite' || dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serialised) return work();
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }
}
