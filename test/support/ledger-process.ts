import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { join } from 'path';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { UsageSqlDialect } from '../../src/llm-manager/usage/usage-sql-dialect';
import type { TempStore } from './temp-store';

const ROOT = join(__dirname, '..', '..');

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A host app in a process of its own (ledger-child.ts), playing one scenario; the test decides when it dies. */
export class LedgerChild {
  private output = '';
  private readonly waiters: Array<{ mark: string; resolve: (data: Record<string, unknown>) => void }> = [];
  readonly exit: Promise<ChildExit>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const read = (chunk: Buffer): void => {
      this.output += chunk.toString();
      for (const waiter of [...this.waiters]) {
        const match = new RegExp(`^@${waiter.mark} (.*)$`, 'm').exec(this.output);
        if (!match) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(JSON.parse(match[1]) as Record<string, unknown>);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
  }

  /** Starts `scenario` with llm-mgr options; `close: false` lets the script end without `app.close()`. */
  static start(scenario: string, n: number, options: LlmManagerOptions, extra: { close?: boolean; env?: Record<string, string> } = {}): LedgerChild {
    const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, 'ledger-child.ts'), scenario, String(n)], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        LEDGER_CHILD: JSON.stringify({ options, close: extra.close }),
        ...extra.env,
      },
      stdio: 'pipe',
    });
    return new LedgerChild(child);
  }

  /** Everything the process printed. */
  get log(): string {
    return this.output;
  }

  /** Resolves with the data of the first `@mark` line; rejects if the process exits first. */
  waitFor(mark: string): Promise<Record<string, unknown>> {
    const said = new Promise<Record<string, unknown>>((resolve) => this.waiters.push({ mark, resolve }));
    const died = this.exit.then((exit) => {
      throw new Error(`The child exited (${JSON.stringify(exit)}) before saying @${mark}:\n${this.output}`);
    });
    return Promise.race([said, died]);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the exit; a process still running after `timeoutMs` is killed and the test fails with its log. */
  async exited(timeoutMs: number): Promise<ChildExit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`The child did not exit within ${timeoutMs} ms:\n${this.output}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exit, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a scenario to its end; rejects with the log when it fails. */
  static async run(scenario: string, n: number, options: LlmManagerOptions, timeoutMs = 60_000): Promise<LedgerChild> {
    const child = LedgerChild.start(scenario, n, options);
    const exit = await child.exited(timeoutMs);
    if (exit.code !== 0) throw new Error(`${scenario} exited with ${JSON.stringify(exit)}:\n${child.log}`);
    return child;
  }
}

/** The test's own connection to a store a child process writes: read rows, or take the usage table away. */
export class LedgerDatabase {
  private constructor(private readonly dataSource: DataSource) {}

  static async open(store: TempStore): Promise<LedgerDatabase> {
    return new LedgerDatabase(await openDataSource(store.database.options));
  }

  async rows(): Promise<UsageLogEntryEntity[]> {
    return this.dataSource.getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
  }

  /** Polls until `predicate` holds for the rows (or `timeoutMs` passes), and returns them. */
  async rowsWhen(predicate: (rows: UsageLogEntryEntity[]) => boolean, timeoutMs = 10_000): Promise<UsageLogEntryEntity[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.rows();
      if (predicate(rows) || Date.now() > deadline) return rows;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Renames `usage_log_entries` away (every write of usage fails) or back. */
  async usageTable(present: boolean): Promise<void> {
    const table = UsageSqlDialect.usageTable(this.dataSource);
    const away = table.replace(/usage_log_entries/, 'usage_log_entries_away');
    const [from, to] = present ? [away, 'usage_log_entries'] : [table, 'usage_log_entries_away'];
    await this.dataSource.query(`ALTER TABLE ${from} RENAME TO ${this.dataSource.driver.escape(to)}`);
  }

  close(): Promise<void> {
    return this.dataSource.destroy();
  }
}
