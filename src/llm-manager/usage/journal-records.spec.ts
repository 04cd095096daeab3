import { rowsFromJournal, type JournalRecord } from './journal-records';

describe('rows rebuilt from a journal (issue 19 columns)', () => {
  const begin: JournalRecord = { t: 'begin', id: 'c1', userId: 'alice', modelId: 3, agentName: 'muse', usageKey: 'fast', at: 1_000, promptChars: 40 };

  it('keep the slot, and a failed call its error code and detail', () => {
    const end: JournalRecord = {
      t: 'end', id: 'c1', outcome: 'error', at: 1_250, completionChars: 0, reported: null,
      errorCode: 'UPSTREAM_RATE_LIMITED', errorDetail: 'The platform is rate limiting this key (HTTP 429)',
    };
    expect(rowsFromJournal([begin, end], 'estimated')[0]).toMatchObject({
      usageKey: 'fast', outcome: 'error', errorCode: 'UPSTREAM_RATE_LIMITED', errorDetail: 'The platform is rate limiting this key (HTTP 429)', latencyMs: 250,
    });
  });

  it('leave them empty for a call still in flight, and for journals written before them', () => {
    const older: JournalRecord = { t: 'begin', id: 'c2', userId: 'bob', modelId: 3, agentName: null, at: 2_000, promptChars: 8 };
    const rows = rowsFromJournal([begin, older], 'estimated');
    expect(rows.map((row) => [row.usageKey, row.outcome, row.errorCode, row.errorDetail])).toEqual([
      ['fast', 'interrupted', null, null],
      [null, 'interrupted', null, null],
    ]);
  });
});
