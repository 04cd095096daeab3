import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../common/error-message';
import type { JournalRecord } from './journal-records';
import type { UsageRow } from './usage-row';

/** A journal file and the calls it still holds records of (not yet committed to the database). */
interface Segment {
  readonly file: string;
  fd: number | null;
  bytes: number;
  readonly calls: Set<string>;
}

/** Segments a journal starts a new file after; small enough to replay quickly, big enough to rotate rarely. */
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT_NAME = /^([A-Za-z0-9-]+)\.(\d+)\.([a-z0-9]+)\.(\d+)\.ndjson$/;
/**
 * Tokens of the journals open in this process. A file with this process's pid and a token not in here was left by an
 * earlier process that had the same pid (a container's pid 1 after a restart); one with a token in here is alive.
 */
const OPEN_IN_THIS_PROCESS = new Set<string>();

/**
 * The usage journal (B10): an append-only local file that makes the ledger survive `kill -9`. Each call is written
 * here as it leaves (`begin`) and as it ends (`end`), with `fs.writeSync`, so a record is in the kernel's page cache
 * before the call goes on: a killed process loses none (fsync is not needed for that, only for a machine crash).
 * Its finished row follows once its tokens are counted. When the database has committed a call's row, the call is
 * released; a file whose calls are all released is deleted, so the journal stays as small as the queue.
 *
 * Files are named `<store>.<pid>.<token>.<seq>.ndjson`: `store` ties them to one database (a journal folder shared
 * by processes on different databases replays nothing into the wrong one), `pid` and `token` to one process. On
 * start, files of processes that are gone are claimed by renaming them into this process's name (only one claimant's
 * rename succeeds) and replayed; rows carry the call's id under a unique index, so a replay is idempotent.
 */
export class UsageJournal {
  private readonly logger = new Logger('UsageJournal');
  private readonly token = randomBytes(6).toString('hex');
  private readonly byCall = new Map<string, Segment | Segment[]>();
  private readonly sealed = new Set<Segment>();
  private current: Segment | null = null;
  private storeId: string | null = null;
  private sequence = 0;
  private failed = false;
  /** Records of `appendSoon`, written together at the end of this turn of the event loop. */
  private soon: Array<{ callId: string; line: string }> = [];
  private soonScheduled = false;

  constructor(
    /** Folder of the journal files; `null` turns the journal off (every method is then a no-op). */
    readonly directory: string | null,
    private readonly maxSegmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {}

  get enabled(): boolean {
    return this.directory !== null;
  }

  /** What becomes of usage rows the database did not take before the process ends, for a log line. */
  get keepsUnwrittenRows(): string {
    return this.directory === null
      ? 'are lost (the usage journal is off)'
      : `stay in the usage journal (${this.directory}) and are written on the next start`;
  }

  /** Calls written and not yet released. */
  get openCalls(): number {
    return this.byCall.size;
  }

  /** Creates the folder (owner only) and binds the journal to the database `storeId`. */
  open(storeId: string): void {
    if (this.directory === null) return;
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    this.storeId = storeId;
    OPEN_IN_THIS_PROCESS.add(this.token);
  }

  /** Appends one record of call `callId` now; the call then holds the file until `release`. Never throws. */
  append(callId: string, record: JournalRecord): void {
    if (this.directory === null || this.storeId === null) return;
    this.write([{ callId, line: `${JSON.stringify(record)}\n` }]);
  }

  /**
   * Appends a record at the end of this turn of the event loop, in one write with the others queued meanwhile: for
   * records that only refine what `append` already made durable (a finished row after its call's end), where a crash
   * in between costs precision, never the call.
   */
  appendSoon(callId: string, record: JournalRecord): void {
    if (this.directory === null || this.storeId === null) return;
    this.soon.push({ callId, line: `${JSON.stringify(record)}\n` });
    if (this.soonScheduled) return;
    this.soonScheduled = true;
    setImmediate(() => this.writeSoon());
  }

  /** The database has committed the rows of these calls: their records are no longer needed. */
  release(rows: readonly Pick<UsageRow, 'callId'>[]): void {
    // A record still waiting would otherwise land after its release and keep its file until the next start.
    this.writeSoon();
    for (const { callId } of rows) {
      if (callId === null) continue;
      const held = this.byCall.get(callId);
      if (held === undefined) continue;
      this.byCall.delete(callId);
      for (const segment of Array.isArray(held) ? held : [held]) {
        segment.calls.delete(callId);
        if (segment.calls.size === 0 && this.sealed.has(segment)) this.discard(segment);
      }
    }
  }

  /**
   * Claims the files of processes that are gone (on the same database) and returns their records, oldest file
   * first. The files become this process's: each is deleted once the calls it holds are released.
   */
  claimOrphans(): JournalRecord[] {
    if (this.directory === null || this.storeId === null) return [];
    const records: JournalRecord[] = [];
    for (const name of readdirSync(this.directory).sort(bySequence)) {
      const match = SEGMENT_NAME.exec(name);
      if (!match || match[1] !== this.storeId || !isOrphan(Number(match[2]), match[3])) continue;
      const file = this.nextFile();
      try {
        renameSync(join(this.directory, name), file);
      } catch {
        continue; // Another process claimed it first.
      }
      const segment: Segment = { file, fd: null, bytes: 0, calls: new Set() };
      for (const record of parseRecords(readFileSync(file, 'utf8'))) {
        records.push(record);
        this.hold(record.id, segment);
      }
      this.sealed.add(segment);
      if (segment.calls.size === 0) this.discard(segment);
    }
    return records;
  }

  /** Closes the file being written; files still holding unreleased calls stay for the next start. */
  close(): void {
    this.writeSoon();
    if (this.current !== null) this.seal(this.current);
    this.current = null;
    OPEN_IN_THIS_PROCESS.delete(this.token);
  }

  private writeSoon(): void {
    this.soonScheduled = false;
    if (this.soon.length === 0) return;
    const entries = this.soon;
    this.soon = [];
    this.write(entries);
  }

  private write(entries: ReadonlyArray<{ callId: string; line: string }>): void {
    try {
      const segment = this.writable();
      const text = entries.length === 1 ? entries[0].line : entries.map((entry) => entry.line).join('');
      segment.bytes += writeSync(segment.fd!, text);
      for (const { callId } of entries) this.hold(callId, segment);
    } catch (error) {
      // The journal protects the ledger against crashes; failing it must never fail the call being recorded.
      if (!this.failed) this.logger.error(`The usage journal cannot be written (${errorMessage(error)}); calls are recorded without it.`);
      this.failed = true;
    }
  }

  private writable(): Segment {
    if (this.current !== null && this.current.bytes < this.maxSegmentBytes) return this.current;
    if (this.current !== null) this.seal(this.current);
    const file = this.nextFile();
    this.current = { file, fd: openSync(file, 'a', 0o600), bytes: 0, calls: new Set() };
    return this.current;
  }

  private nextFile(): string {
    this.sequence += 1;
    return join(this.directory!, `${this.storeId}.${process.pid}.${this.token}.${this.sequence}.ndjson`);
  }

  private hold(callId: string, segment: Segment): void {
    if (segment.calls.has(callId)) return;
    segment.calls.add(callId);
    const held = this.byCall.get(callId);
    if (held === undefined) this.byCall.set(callId, segment);
    else this.byCall.set(callId, Array.isArray(held) ? [...held, segment] : [held, segment]);
  }

  private seal(segment: Segment): void {
    if (segment.fd !== null) closeSync(segment.fd);
    segment.fd = null;
    this.sealed.add(segment);
    if (segment.calls.size === 0) this.discard(segment);
  }

  private discard(segment: Segment): void {
    this.sealed.delete(segment);
    try {
      unlinkSync(segment.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`Could not delete ${segment.file}: ${errorMessage(error)}`);
    }
  }
}

/** Records of one journal file; a line cut short by a crash (or anything unreadable) is skipped. */
export function parseRecords(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const record = JSON.parse(line) as JournalRecord;
      if (record && typeof record.id === 'string' && typeof record.t === 'string') records.push(record);
    } catch {
      continue; // The last line of a killed process may be half written; it is the only one that can be.
    }
  }
  return records;
}

/** A file's process is gone: this pid's earlier life (a restart), or no such process any more. */
function isOrphan(pid: number, token: string): boolean {
  if (pid === process.pid) return !OPEN_IN_THIS_PROCESS.has(token);
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function bySequence(a: string, b: string): number {
  const sa = Number(SEGMENT_NAME.exec(a)?.[4] ?? 0);
  const sb = Number(SEGMENT_NAME.exec(b)?.[4] ?? 0);
  return sa - sb || a.localeCompare(b);
}
