import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowsFromJournal, type JournalRecord, type RowRecord } from './journal-records';
import { parseRecords, UsageJournal } from './usage-journal';

const STORE = '11111111-2222-4333-8444-555555555555';
const begin = (id: string): JournalRecord => ({ t: 'begin', id, userId: 'u', modelId: 3, agentName: null, at: 1_000, promptChars: 40 });

describe('UsageJournal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = (): string[] => readdirSync(dir).sort();

  it('writes one line per record to a file only its owner can read, and deletes it once every call is released', () => {
    const journal = new UsageJournal(dir);
    journal.open(STORE);
    journal.append('a', begin('a'));
    journal.append('b', begin('b'));
    const [file] = files();
    expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(parseRecords(readFileSync(join(dir, file), 'utf8')).map((r) => r.id)).toEqual(['a', 'b']);

    journal.release([{ callId: 'a' }]);
    journal.close();
    expect(files()).toEqual([file]); // 'b' is not committed yet
    journal.release([{ callId: 'b' }, { callId: null }, { callId: 'unknown' }]);
    expect(files()).toEqual([]);
    expect(journal.openCalls).toBe(0);
  });

  it('starts a new file past its size limit and deletes old ones as their calls are released', () => {
    const journal = new UsageJournal(dir, 300);
    journal.open(STORE);
    for (const id of ['a', 'b', 'c', 'd', 'e']) journal.append(id, begin(id));
    expect(files().length).toBeGreaterThan(1);
    // A call whose records span two files holds both.
    journal.append('a', { t: 'prompt', id: 'a', tokens: 5 });
    journal.release([{ callId: 'b' }, { callId: 'c' }, { callId: 'd' }, { callId: 'e' }]);
    expect(files().length).toBeGreaterThan(0);
    journal.release([{ callId: 'a' }]);
    journal.close();
    expect(files()).toEqual([]);
  });

  it("claims only the files of dead processes on its own database, and only once", () => {
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    writeFileSync(join(dir, `${STORE}.${dead}.aaaa.1.ndjson`), JSON.stringify(begin('x')) + '\n{"t":"beg');
    writeFileSync(join(dir, `${STORE}.${process.ppid}.bbbb.1.ndjson`), JSON.stringify(begin('alive')) + '\n');
    writeFileSync(join(dir, `99999999-2222-4333-8444-555555555555.${dead}.cccc.1.ndjson`), JSON.stringify(begin('other')) + '\n');

    const first = new UsageJournal(dir);
    first.open(STORE);
    expect(first.claimOrphans().map((r) => r.id)).toEqual(['x']);
    const second = new UsageJournal(dir);
    second.open(STORE);
    // The claimed file now carries the first journal's name: this process is alive, so it is not an orphan.
    expect(second.claimOrphans()).toEqual([]);
    first.release([{ callId: 'x' }]);
    expect(files().some((name) => name.includes('.aaaa.'))).toBe(false);
    expect(files()).toHaveLength(2);
  });

  it('writes appendSoon records together at the end of the turn, or at once when their call is released first', async () => {
    const journal = new UsageJournal(dir);
    journal.open(STORE);
    journal.append('a', begin('a'));
    journal.appendSoon('a', { t: 'prompt', id: 'a', tokens: 7 });
    journal.appendSoon('b', begin('b'));
    const [file] = files();
    const ids = (): string[] => parseRecords(readFileSync(join(dir, file), 'utf8')).map((r) => `${r.t}:${r.id}`);
    expect(ids()).toEqual(['begin:a']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ids()).toEqual(['begin:a', 'prompt:a', 'begin:b']);

    journal.appendSoon('a', { t: 'prompt', id: 'a', tokens: 8 });
    journal.release([{ callId: 'a' }, { callId: 'b' }]);
    expect(ids()).toHaveLength(4); // written before the release, so nothing holds the file afterwards
    journal.close();
    expect(files()).toEqual([]);
  });

  it('is a no-op when turned off', () => {
    const journal = new UsageJournal(null);
    journal.open(STORE);
    journal.append('a', begin('a'));
    expect(journal.claimOrphans()).toEqual([]);
    expect(journal.enabled).toBe(false);
    expect(files()).toEqual([]);
  });
});

describe('rowsFromJournal', () => {
  it('prefers the finished row, else builds one from how the call ended, else records it as interrupted', () => {
    const rows = rowsFromJournal(
      [
        begin('in-flight'),
        { t: 'prompt', id: 'in-flight', tokens: 12 },
        begin('ended'),
        { t: 'end', id: 'ended', outcome: 'ok', at: 1_250, completionChars: 41, reported: { prompt: 30, completion: 9, reasoning: 2 } },
        begin('failed'),
        { t: 'end', id: 'failed', outcome: 'error', at: 1_010, completionChars: 0, reported: null },
      ],
      'estimated',
    );
    expect(rows.map((r) => [r.callId, r.outcome, r.success, r.promptTokens, r.completionTokens, r.latencyMs, r.reportedPromptTokens])).toEqual([
      ['in-flight', 'interrupted', false, 12, 0, null, null],
      ['ended', 'ok', true, 10, 11, 250, 30],
      ['failed', 'error', false, 0, 0, 10, null],
    ]);
    const reported = rowsFromJournal(
      [begin('r'), { t: 'end', id: 'r', outcome: 'ok', at: 1_100, completionChars: 4, reported: { prompt: 30, completion: 9, cachedPrompt: 24, reasoning: 2 } }],
      'reported',
    );
    expect(reported[0]).toMatchObject({
      usageSource: 'both',
      promptTokens: 30,
      completionTokens: 9,
      reasoningTokens: 2,
      totalTokens: 39,
      cachedPromptTokens: 24,
      estimatedPromptTokens: 10,
      estimatedCompletionTokens: 1,
    });
  });

  it('bills the estimate, row by row, for calls whose provider reported nothing, even when billing reported', () => {
    const [row] = rowsFromJournal([begin('quiet'), { t: 'end', id: 'quiet', outcome: 'ok', at: 1_100, completionChars: 8, reported: null }], 'reported');
    expect(row).toMatchObject({ usageSource: 'estimated', promptTokens: 10, completionTokens: 2, estimatedPromptTokens: 10, reportedPromptTokens: null });
  });

  it('carries a finished row journaled before rows kept both counts over as the migration carries stored rows', () => {
    const older = {
      callId: null, userId: 'u', modelId: 1, promptTokens: 12, completionTokens: 6, totalTokens: 18, reasoningTokens: 0, success: true,
      usageSource: 'estimated', outcome: 'ok', reportedPromptTokens: 11, reportedCompletionTokens: 5, latencyMs: 5, agentName: null,
      createdAt: new Date(1_000).toISOString(),
    } as unknown as RowRecord['row'];
    const [row] = rowsFromJournal([{ t: 'row', id: 'old', row: older }], 'estimated');
    expect(row).toMatchObject({ usageSource: 'both', cachedPromptTokens: 0, estimatedPromptTokens: 12, estimatedCompletionTokens: 6, reportedPromptTokens: 11 });
  });

  it('keeps the attempt number and the call a retry or fallback replaced (issue 18); a first attempt is 1, from none', () => {
    const retry: JournalRecord = { t: 'begin', id: 'second', userId: 'u', modelId: 3, agentName: null, at: 1_000, promptChars: 40, attempt: 2, fallbackFrom: 'first' };
    const rows = rowsFromJournal([begin('first'), retry], 'estimated');
    expect(rows.map((r) => [r.callId, r.attempt, r.fallbackFrom])).toEqual([
      ['first', 1, null],
      ['second', 2, 'first'],
    ]);
  });
});
