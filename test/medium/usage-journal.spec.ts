import type { TestingModule } from '@nestjs/testing';
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { MetaEntity } from '../../src/llm-manager/database/meta.entity';
import { STORE_ID } from '../../src/llm-manager/database/store-startup';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { JournalRecord } from '../../src/llm-manager/usage/journal-records';
import { parseRecords } from '../../src/llm-manager/usage/usage-journal';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { usageRow } from '../support/usage-rows';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/** A pid that belonged to a process which has exited: what a journal left by kill -9 carries. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
}

const line = (record: JournalRecord): string => `${JSON.stringify(record)}\n`;
const AT = Date.UTC(2026, 11, 1, 8, 0, 0);

describe('the usage journal and the ledger inside one process', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    store = new TempStore(upstreamYaml(upstream.url));
    moduleRef = await start();
  });
  afterEach(async () => {
    await moduleRef?.close();
    store.remove();
    upstream.reset();
  });

  const start = (): Promise<TestingModule> => store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0 });
  const dataSource = (): DataSource => moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  const rows = (): Promise<UsageLogEntryEntity[]> => dataSource().getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
  const chat = (): ReturnType<LlmManagerService['getSpecSysLlm']> => moduleRef.get(LlmManagerService).getSpecSysLlm('Fake', 'chat');

  it('a usage query right after a call includes it (rows still being counted are written first)', async () => {
    const llm = await chat();
    await llm.invoke('count me at once');
    expect(await llm.getUsageTotal()).toMatchObject({ requests: 1, errors: 0 });
  });

  it('a call whose signal was aborted before it started sends nothing and records nothing', async () => {
    const llm = await chat();
    await expect(llm.invoke('never sent', { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect((async () => {
      for await (const _ of await llm.stream('never sent either', { signal: AbortSignal.abort() })) {
        // nothing arrives
      }
    })()).rejects.toThrow();
    await expect(llm.batch(['nor this'], { signal: AbortSignal.abort() })).rejects.toThrow();
    await moduleRef.get(CallRecorder).drain();
    await moduleRef.get(UsageWriter).flush();
    expect(await rows()).toEqual([]);
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('a call written twice (a retried batch, a replayed journal) is stored once', async () => {
    const writer = moduleRef.get(UsageWriter);
    const row = usageRow({ userId: 'twice', createdAt: new Date(AT), callId: '00000000-0000-4000-8000-000000000001', latencyMs: 7 });
    writer.enqueue(row);
    await writer.flush();
    writer.enqueue({ ...row, latencyMs: 8 });
    writer.enqueue(usageRow({ userId: 'twice', createdAt: new Date(AT), callId: null }));
    writer.enqueue(usageRow({ userId: 'twice', createdAt: new Date(AT), callId: null }));
    await writer.flush();
    const stored = await rows();
    expect(stored.map((r) => [r.callId, r.latencyMs])).toEqual([
      ['00000000-0000-4000-8000-000000000001', 7],
      [null, null],
      [null, null],
    ]);
  });

  it('replays the journal of a dead process on start: once, into its own database only', async () => {
    const writer = moduleRef.get(UsageWriter);
    const storeId = (await dataSource().getRepository(MetaEntity).findOneByOrFail({ key: STORE_ID })).value;
    const committed = 'c0000000-0000-4000-8000-000000000000';
    writer.enqueue(usageRow({ userId: 'u', createdAt: new Date(AT), callId: committed, outcome: 'ok' }));
    await writer.flush();
    await moduleRef.close();

    const begin = (id: string, promptChars = 400): JournalRecord => ({ t: 'begin', id, userId: 'u', modelId: null, agentName: 'a', at: AT, promptChars });
    const dead = deadPid();
    mkdirSync(store.journalDir, { recursive: true });
    writeFileSync(
      join(store.journalDir, `${storeId}.${dead}.abcdef.1.ndjson`),
      line(begin(committed)) +
        line({ t: 'row', id: committed, row: { ...usageRow({ userId: 'u', createdAt: new Date(AT), callId: committed }), createdAt: new Date(AT).toISOString() } }) +
        line(begin('a0000000-0000-4000-8000-000000000000')) +
        line({ t: 'prompt', id: 'a0000000-0000-4000-8000-000000000000', tokens: 90 }) +
        line(begin('b0000000-0000-4000-8000-000000000000')) +
        line({ t: 'end', id: 'b0000000-0000-4000-8000-000000000000', outcome: 'aborted', at: AT + 1500, completionChars: 80, reported: null }) +
        '{"t":"begin","id":"cut-short', // the half-written line of a killed process
    );
    const otherStore = `00000000-0000-4000-8000-${'9'.repeat(12)}.${dead}.abcdef.1.ndjson`;
    writeFileSync(join(store.journalDir, otherStore), line(begin('d0000000-0000-4000-8000-000000000000')));

    moduleRef = await start();
    const stored = await rows();
    expect(stored.map((r) => [r.callId, r.outcome, r.success, r.promptTokens, r.completionTokens, r.latencyMs])).toEqual([
      [committed, 'ok', true, 0, 0, null],
      ['a0000000-0000-4000-8000-000000000000', 'interrupted', false, 90, 0, null],
      ['b0000000-0000-4000-8000-000000000000', 'aborted', true, 100, 20, 1500],
    ]);
    expect(stored[1].createdAt.getTime()).toBe(AT);
    // Replayed and committed: the file is gone; another database's journal is left where it was.
    expect(readdirSync(store.journalDir)).toEqual([otherStore]);

    await moduleRef.close();
    moduleRef = await start();
    expect(await rows()).toHaveLength(3);
  });

  it('a call still running after a second has its prompt counted into the journal before it ends', async () => {
    upstream.scriptModel('fake-drip-40', { chunkCount: 40, chunkDelayMs: 60 });
    const llm = await moduleRef.get(LlmManagerService).getSpecSysLlm('Fake', 'slow');
    const records = (): JournalRecord[] =>
      readdirSync(store.journalDir).flatMap((name) => parseRecords(readFileSync(join(store.journalDir, name), 'utf8')));
    let promptBeforeEnd: JournalRecord | undefined;
    for await (const _ of await llm.stream('a long answer, please')) {
      promptBeforeEnd ??= records().find((record) => record.t === 'prompt');
    }
    expect(promptBeforeEnd).toMatchObject({ t: 'prompt', tokens: expect.any(Number) });
    expect((promptBeforeEnd as { tokens: number }).tokens).toBeGreaterThan(0);
    await moduleRef.get(CallRecorder).drain();
    const [row] = await (async () => {
      await moduleRef.get(UsageWriter).flush();
      return rows();
    })();
    expect(row.promptTokens).toBe((promptBeforeEnd as { tokens: number }).tokens);
  });

  it('the journal holds a call until its row is committed, then lets the file go', async () => {
    const llm = await chat();
    await llm.invoke('journal me');
    const files = readdirSync(store.journalDir);
    expect(files).toHaveLength(1);
    await moduleRef.get(CallRecorder).drain();
    await moduleRef.get(UsageWriter).flush();
    await moduleRef.close();
    expect(existsSync(store.journalDir) ? readdirSync(store.journalDir) : []).toEqual([]);
    moduleRef = await start();
    expect(await rows()).toHaveLength(1);
  });
});
