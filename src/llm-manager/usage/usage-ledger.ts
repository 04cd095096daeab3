import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorMessage } from '../common/error-message';
import { MetaEntity } from '../database/meta.entity';
import { STORE_ID } from '../database/store-startup';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { rowsFromJournal } from './journal-records';
import { PriceBook } from './price-book';
import { UsageJournal } from './usage-journal';
import type { UsageRow } from './usage-row';
import { UsageWriter } from './usage-writer';

/**
 * The ledger's promise (B10): every chat request that reaches an upstream has exactly one usage row. This is where
 * rows arrive once their tokens are counted, where the journal of a process that died is replayed on start, and
 * where shutdown writes the last of them. Reads wait here first, so a query sees every call this process has ended.
 */
@Injectable()
export class UsageLedger implements OnModuleInit {
  private readonly logger = new Logger('UsageLedger');
  private readonly counting = new Set<Promise<void>>();

  constructor(
    private readonly writer: UsageWriter,
    private readonly journal: UsageJournal,
    private readonly prices: PriceBook,
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  /** Opens the journal and writes what processes that died (kill -9, power loss of the process) left in it. */
  async onModuleInit(): Promise<void> {
    if (!this.journal.enabled) return;
    const storeId = await this.dataSource.getRepository(MetaEntity).findOneBy({ key: STORE_ID });
    this.journal.open(storeId?.value ?? 'unknown');
    const rows = rowsFromJournal(this.journal.claimOrphans(), this.options.billedUsage);
    if (rows.length === 0) return;
    const interrupted = rows.filter((row) => row.outcome === 'interrupted').length;
    this.logger.log(
      `Replaying ${rows.length} usage rows from the journal of a process that stopped without writing them ` +
        `(${interrupted === 1 ? '1 call was' : `${interrupted} calls were`} in flight when it stopped: recorded as interrupted).`,
    );
    // A row journaled once priced keeps its cost; one rebuilt from a call's events is priced now, at today's price.
    for (const row of rows) this.writer.enqueue(row.costMicroUsd === undefined ? await this.prices.price(row) : row);
    try {
      await this.writer.flush();
    } catch (error) {
      this.logger.warn(`The replayed rows stay queued and in the journal until the database takes them: ${errorMessage(error)}`);
    }
  }

  /** Takes a row still being counted and priced (CallRecorder prices it once for all); journaled and queued once ready. */
  count(row: Promise<UsageRow>): void {
    const job = row
      .then((ready) => {
        this.journal.appendSoon(ready.callId!, { t: 'row', id: ready.callId!, row: { ...ready, createdAt: ready.createdAt.toISOString() } });
        this.writer.enqueue(ready);
      })
      .catch((error: unknown) => {
        // The call's begin and end are journaled: the next start writes its row from them.
        this.logger.error(`A usage row could not be counted; the journal keeps the call for the next start. ${errorMessage(error)}`);
      })
      .finally(() => this.counting.delete(job));
    this.counting.add(job);
  }

  /** Resolves when every row handed to `count` so far is in the writer's queue. */
  async whenCounted(): Promise<void> {
    while (this.counting.size > 0) await Promise.all([...this.counting]);
  }

  /** Writes every row ended so far; what a usage query waits for, so it includes this process's latest calls. */
  async flush(): Promise<void> {
    await this.whenCounted();
    await this.writer.flush();
  }

  /** Shutdown: counts and writes everything, retrying; what the database still refuses stays in the journal. */
  async close(): Promise<void> {
    await this.whenCounted();
    await this.writer.flushForShutdown();
    this.journal.close();
  }

  /** For `beforeExit`: writes what is pending, and does nothing (so the process may exit) when nothing is. */
  async writeBeforeExit(): Promise<void> {
    if (this.counting.size === 0 && this.writer.pending === 0) return;
    await this.flush();
  }
}
