import { existsSync, readdirSync } from 'fs';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import type { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { LedgerChild, LedgerDatabase } from '../support/ledger-process';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/** 40 chunks, 50 ms apart: a stream that is still running whenever the test acts. */
const LONG_MODEL = 'fake-ledger-long';

/**
 * The ledger invariant (B10), through real processes: every chat request that reaches the upstream has exactly one
 * usage row, and no request that never left has one — through aborts between chunks, dropped streams, SIGTERM with
 * calls in flight, a database outage at shutdown, kill -9 under load, and a script that just ends. The fake
 * upstream's own request count is the reference.
 */
describe('the usage ledger through aborts, shutdowns, crashes and outages', () => {
  // Each test starts child processes (a ts-node start is seconds on a busy 2-core machine): behaviour, not speed.
  jest.setTimeout(90_000);
  let upstream: FakeUpstream;
  let store: TempStore;
  let db: LedgerDatabase;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    // Five characters a chunk: every chunk after the role chunk carries text.
    upstream.scriptModel(LONG_MODEL, { chunkCount: 40, chunkDelayMs: 50, reply: 'Hello'.repeat(40) });
    store = new TempStore(upstreamYaml(upstream.url).replace('      slow: fake-drip-40\n', `      slow: fake-drip-40\n      long: ${LONG_MODEL}\n`));
    // Migrations and the YAML import once, here, so the child processes start on a ready store.
    await (await store.start(childOptions())).close();
    db = await LedgerDatabase.open(store);
  });
  afterEach(async () => {
    await db?.close();
    store.remove();
    upstream.reset();
  });

  function childOptions(overrides: LlmManagerOptions = {}): LlmManagerOptions {
    return store.options({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, ...overrides });
  }

  function outcomes(rows: readonly UsageLogEntryEntity[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.outcome] = (counts[row.outcome] ?? 0) + 1;
    return counts;
  }

  function expectOneRowPerCall(rows: readonly UsageLogEntryEntity[]): void {
    expect(rows.every((row) => typeof row.callId === 'string')).toBe(true);
    expect(new Set(rows.map((row) => row.callId)).size).toBe(rows.length);
  }

  const journalFiles = (): string[] => (existsSync(store.journalDir) ? readdirSync(store.journalDir) : []);

  it('a stream aborted between chunks (in the loop, or by a timer while the reader is slow) has its row', async () => {
    await LedgerChild.run('abort-between-chunks', 10, childOptions());
    await upstream.settled();
    const rows = await db.rows();
    expect(upstream.chatRequests).toHaveLength(20);
    expect(outcomes(rows)).toEqual({ aborted: 20 });
    expectOneRowPerCall(rows);
    expect(rows.filter((row) => row.agentName === 'in-loop')).toHaveLength(10);
    expect(rows.filter((row) => !(row.promptTokens > 0 && row.completionTokens > 0 && row.success))).toEqual([]);
    expect(journalFiles()).toEqual([]);
  });

  it('streams read once and dropped, or never read, are settled as abandoned within abandonedStreamMs', async () => {
    const child = LedgerChild.start('dropped', 4, childOptions({ abandonedStreamMs: 300, usageWriter: { flushIntervalMs: 50 } }));
    await child.waitFor('dropped');
    const requests = (await upstream.waitForRequests(4)).length;
    // While the process lives on: 300 ms unread, a sweep, a flush.
    const rows = await db.rowsWhen((r) => r.length >= upstream.chatRequests.length, 5_000);
    expect(rows.length).toBe(upstream.chatRequests.length);
    expect(requests).toBeGreaterThanOrEqual(4);
    expect(outcomes(rows)).toEqual({ abandoned: rows.length });
    await upstream.settled(); // the abandoned requests were cancelled, not left streaming
    child.kill('SIGTERM');
    await child.exited(15_000);
    expect(await db.rows()).toHaveLength(rows.length);
  });

  it('SIGTERM with streams in flight: they get shutdownDrainMs, then are recorded as aborted, and the process exits', async () => {
    const child = LedgerChild.start('in-flight', 20, childOptions({ shutdownDrainMs: 500 }));
    await child.waitFor('in-flight');
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const exit = await child.exited(15_000);
    expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    await upstream.settled();
    const rows = await db.rows();
    expect(upstream.chatRequests).toHaveLength(20);
    expect(outcomes(rows)).toEqual({ aborted: 20 });
    expect(rows.every((row) => row.completionTokens > 0)).toBe(true);
    expectOneRowPerCall(rows);
  });

  it('SIGTERM waits for calls that finish within shutdownDrainMs, and records them as ok', async () => {
    const child = LedgerChild.start('in-flight', 10, childOptions({ shutdownDrainMs: 20_000 }), { env: { LEDGER_MODEL: 'slow' } });
    await child.waitFor('in-flight');
    child.kill('SIGTERM');
    await child.exited(20_000);
    expect(outcomes(await db.rows())).toEqual({ ok: 10 });
    expect(upstream.chatRequests).toHaveLength(10);
  });

  it('a database outage at shutdown: the process still exits, the rows wait in the journal and land on the next start', async () => {
    const options = childOptions({ usageWriter: { flushIntervalMs: 60_000, retryBaseMs: 20, retryMaxMs: 100 } });
    const child = LedgerChild.start('queued', 12, options);
    await child.waitFor('queued');
    await db.usageTable(false);
    child.kill('SIGTERM');
    await child.exited(20_000);
    expect(child.log).toContain('12 usage rows could not be written before shutdown and stay in the usage journal');
    expect(journalFiles().length).toBeGreaterThan(0);

    await db.usageTable(true);
    expect(await db.rows()).toHaveLength(0);
    const restarted = await LedgerChild.run('restart', 0, options);
    expect(restarted.log).toContain('Replaying 12 usage rows');
    const rows = await db.rows();
    expect(outcomes(rows)).toEqual({ ok: 12 });
    expectOneRowPerCall(rows);
    expect(journalFiles()).toEqual([]);
    // A second start finds nothing left to replay and writes nothing twice.
    await LedgerChild.run('restart', 0, options);
    expect(await db.rows()).toHaveLength(12);
  });

  it('kill -9 under load loses no call that reached the upstream; calls in flight come back as interrupted', async () => {
    const child = LedgerChild.start('load', 8, childOptions());
    await child.waitFor('progress');
    await upstream.waitForRequests(upstream.chatRequests.length + 100);
    child.kill('SIGKILL');
    expect((await child.exited(10_000)).signal).toBe('SIGKILL');
    await upstream.settled();
    const requests = upstream.chatRequests.length;
    const beforeRestart = (await db.rows()).length;

    const restarted = await LedgerChild.run('restart', 0, childOptions());
    expect(restarted.log).toContain('Replaying');
    const rows = await db.rows();
    expectOneRowPerCall(rows);
    const interrupted = rows.filter((row) => row.outcome === 'interrupted');
    // Every request the upstream saw has its row. A call journaled as it left but killed before its bytes were sent
    // can only come back as interrupted: at most those are extra.
    expect(rows.length).toBeGreaterThanOrEqual(requests);
    expect(rows.length - requests).toBeLessThanOrEqual(interrupted.length);
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.every((row) => !row.success && row.promptTokens > 0 && row.completionTokens === 0)).toBe(true);
    expect(rows.length).toBeGreaterThan(beforeRestart);
    expect({ files: journalFiles(), log: restarted.log }).toEqual({ files: [], log: restarted.log });
  });

  it('a script that ends without app.close() writes its rows before the process exits', async () => {
    const child = LedgerChild.start('script-ends', 10, childOptions(), { close: false });
    await child.waitFor('returning');
    if (store.database.engine === 'sqlite') {
      // Nothing keeps the event loop busy: the rows are written on `beforeExit`, then the process ends by itself.
      expect((await child.exited(15_000)).code).toBe(0);
    }
    // A PostgreSQL or MariaDB pool keeps a script alive (the host's to close); the rows must not wait for that.
    const rows = await db.rowsWhen((r) => r.length >= 10, 10_000);
    expect(outcomes(rows)).toEqual({ ok: 10 });
    expect(upstream.chatRequests).toHaveLength(10);
    child.kill('SIGKILL');
    await child.exited(10_000);
  });
});
