import type { UsageOutcome } from '../database/usage-log-entry.entity';
import { billedTokens, type UsageRow } from './usage-row';

/** Tokens as a provider reported them; `cachedPrompt` is part of `prompt`, `reasoning` part of `completion`. */
export interface ReportedTokens {
  prompt: number;
  completion: number;
  /** Absent in journals written before cached input was recorded. */
  cachedPrompt?: number;
  reasoning: number;
}

/** A request left for the upstream: who it bills, and how much text it sent. */
export interface BeginRecord {
  t: 'begin';
  id: string;
  userId: string;
  modelId: number | null;
  agentName: string | null;
  /** The slot the call was made for; absent for none (and in journals older than issue 19). */
  usageKey?: string;
  /** Epoch ms. */
  at: number;
  promptChars: number;
  /** A retry or fallback (issue 18): its number and the call id it replaced; absent for a first attempt. */
  attempt?: number;
  fallbackFrom?: string | null;
}

/** The prompt's estimated tokens, written as soon as they are counted (off the call path). */
export interface PromptRecord {
  t: 'prompt';
  id: string;
  tokens: number;
}

/** How the call ended, written the moment it did, before its completion is counted. */
export interface EndRecord {
  t: 'end';
  id: string;
  outcome: UsageOutcome;
  /** Epoch ms. */
  at: number;
  completionChars: number;
  reported: ReportedTokens | null;
  /** A failed call's error code and masked detail (issue 19); absent otherwise. */
  errorCode?: string;
  errorDetail?: string;
}

/** The finished row, exactly as it was handed to the writer (`createdAt` as an ISO string). */
export interface RowRecord {
  t: 'row';
  id: string;
  row: Omit<UsageRow, 'createdAt'> & { createdAt: string };
}

export type JournalRecord = BeginRecord | PromptRecord | EndRecord | RowRecord;

/**
 * Characters per token assumed for text whose tokens were never counted because the process died first. Only a
 * call caught between its end and its count (milliseconds), or one whose prompt was not yet counted, needs it.
 */
const CHARS_PER_TOKEN = 4;

/**
 * One row per call found in a dead process's journal: its finished row when it got that far; otherwise a row made
 * from how it ended (`end`), or, for a call still in flight when the process died, an `interrupted` row with the
 * prompt it sent and no completion (what arrived before the crash is unknown).
 */
export function rowsFromJournal(records: readonly JournalRecord[], billedUsage: 'estimated' | 'reported'): UsageRow[] {
  const calls = new Map<string, { begin?: BeginRecord; prompt?: PromptRecord; end?: EndRecord; row?: RowRecord }>();
  for (const record of records) {
    const call = calls.get(record.id) ?? {};
    if (record.t === 'begin') call.begin = record;
    else if (record.t === 'prompt') call.prompt = record;
    else if (record.t === 'end') call.end = record;
    else if (record.t === 'row') call.row = record;
    calls.set(record.id, call);
  }
  const rows: UsageRow[] = [];
  for (const [id, { begin, prompt, end, row }] of calls) {
    if (row) rows.push({ ...fromOlderJournal(row.row), callId: id, createdAt: new Date(row.row.createdAt) });
    else if (begin) rows.push(rowFromEvents(id, begin, prompt, end, billedUsage));
  }
  return rows;
}

function rowFromEvents(
  id: string,
  begin: BeginRecord,
  prompt: PromptRecord | undefined,
  end: EndRecord | undefined,
  billedUsage: 'estimated' | 'reported',
): UsageRow {
  const outcome: UsageOutcome = end?.outcome ?? 'interrupted';
  const billable = outcome !== 'error' || (end?.completionChars ?? 0) > 0;
  const estimatedPrompt = billable ? (prompt?.tokens ?? Math.ceil(begin.promptChars / CHARS_PER_TOKEN)) : 0;
  const estimatedCompletion = Math.ceil((end?.completionChars ?? 0) / CHARS_PER_TOKEN);
  const estimated = { prompt: estimatedPrompt, completion: estimatedCompletion, reasoning: 0 };
  return {
    callId: id,
    userId: begin.userId,
    modelId: begin.modelId,
    ...billedTokens(billedUsage, estimated, end?.reported ?? null),
    success: outcome !== 'error' && outcome !== 'interrupted',
    outcome,
    latencyMs: end ? Math.max(0, end.at - begin.at) : null,
    attempt: begin.attempt ?? 1,
    fallbackFrom: begin.fallbackFrom ?? null,
    agentName: begin.agentName,
    usageKey: begin.usageKey ?? null,
    errorCode: end?.errorCode ?? null,
    errorDetail: end?.errorDetail ?? null,
    createdAt: new Date(begin.at),
  };
}

/**
 * A finished row journaled before rows kept both counts: carried over as migration 1768003200000 carries stored rows
 * (an estimate-billed row holds its estimate; with a report beside it, it holds both).
 */
function fromOlderJournal(row: RowRecord['row']): RowRecord['row'] {
  if (row.estimatedPromptTokens !== undefined) return row;
  const estimated = row.usageSource === 'estimated';
  return {
    ...row,
    cachedPromptTokens: 0,
    usageSource: estimated && row.reportedPromptTokens !== null ? 'both' : row.usageSource,
    estimatedPromptTokens: estimated ? row.promptTokens : null,
    estimatedCompletionTokens: estimated ? row.completionTokens : null,
  };
}
