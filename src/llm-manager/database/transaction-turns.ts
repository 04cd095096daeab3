import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';

/** One chain of turns per data source, whichever module's instance asks. */
const CHAINS = new WeakMap<DataSource, { turn: Promise<unknown> }>();

/**
 * SQLite drivers give a process one shared connection, on which every statement runs inside whatever transaction is
 * open there: a ROLLBACK (a refused budget or rate-limit check) also undoes a statement of other work that ran
 * meanwhile — a batch of usage rows, another call's count. So on SQLite the call path's transactions (budget
 * reservations, rate-limit counts and leases) and the writes that may meet them (usage rows, rate-limit counters,
 * cooldowns, the budget sweep) take turns here. On server databases each has a pooled connection and runs at once.
 */
@Injectable()
export class TransactionTurns {
  private readonly serialised: boolean;
  private readonly chain: { turn: Promise<unknown> };

  constructor(@InjectDataSource(LLM_MGR_DATA_SOURCE) dataSource: DataSource) {
    this.serialised = dataSource.options.type === 'sqlite' || dataSource.options.type === 'better-sqlite3';
    let chain = CHAINS.get(dataSource);
    if (!chain) CHAINS.set(dataSource, (chain = { turn: Promise.resolve() }));
    this.chain = chain;
  }

  /** The turns of `dataSource`, for code built outside Nest's injection (the same chain as the injected one). */
  static of(dataSource: DataSource): TransactionTurns {
    return new TransactionTurns(dataSource);
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serialised) return work();
    const run = this.chain.turn.then(work, work);
    this.chain.turn = run.catch(() => undefined);
    return run;
  }
}
