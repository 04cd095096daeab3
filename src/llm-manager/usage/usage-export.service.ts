import { Injectable } from '@nestjs/common';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { RequestLogService } from './request-log.service';
import type { RequestLogEntry, RequestLogFilter } from './request-log.types';
import { csvLine, type CsvValue } from './usage-csv';
import { UsageQueryService } from './usage-query.service';
import type { AgentUsage, ModelUsage, UsageSummary, UserUsage } from './usage-query.types';

/** What a CSV export holds (issue 19). */
export type ExportView = 'requests' | 'users' | 'models' | 'agents';

const TOTALS = ['tokens', 'prompt_tokens', 'completion_tokens', 'requests', 'errors', 'cost_usd'];
const totals = (row: UsageSummary): CsvValue[] => [row.tokens, row.prompt_tokens, row.completion_tokens, row.requests, row.errors, row.cost];

const REQUEST_HEADER = [
  'time', 'user_id', 'usage_key', 'agent_name', 'platform', 'model', 'model_deleted', 'outcome',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd', 'latency_ms', 'attempt', 'error_code', 'error_detail',
];
const requestLine = (r: RequestLogEntry): CsvValue[] => [
  r.created_at, r.user_id, r.usage_key, r.agent_name, r.platform_name, r.model_name, r.model_deleted, r.outcome,
  r.prompt_tokens, r.completion_tokens, r.total_tokens, r.cost, r.latency_ms, r.attempt, r.error_code, r.error_detail,
];

/**
 * CSV exports of the request log and of the dashboard's totals, written to `out` as they are read: the request log
 * a keyset chunk at a time, waiting for the client to drain each one, so an export of millions of calls holds one
 * chunk in memory.
 */
@Injectable()
export class UsageExportService {
  constructor(
    private readonly log: RequestLogService,
    private readonly usage: UsageQueryService,
  ) {}

  /**
   * Writes the export to `out`, calling `begin` (headers) just before the first byte: a failure before that (the
   * database refusing the first read) still reaches the client as an error answer; one after it cuts the download.
   */
  async write(out: Writable, begin: () => void, view: ExportView, filter: RequestLogFilter, search?: string): Promise<void> {
    let started = false;
    const emit = (text: string): Promise<void> => {
      if (!started) begin();
      started = true;
      return send(out, text);
    };
    try {
      await this.lines(emit, view, filter, search);
      if (!started) begin();
      out.end();
    } catch (error) {
      if (!started) throw error;
      out.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async lines(emit: (text: string) => Promise<void>, view: ExportView, filter: RequestLogFilter, search?: string): Promise<void> {
    const range = { since: filter.since, until: filter.until };
    switch (view) {
      case 'requests': {
        let header = csvLine(REQUEST_HEADER);
        for await (const chunk of this.log.all(filter)) {
          await emit(header + chunk.map((row) => csvLine(requestLine(row))).join(''));
          header = '';
        }
        if (header !== '') await emit(header);
        return;
      }
      case 'users': {
        const { users } = await this.usage.topUsers(range, search, Number.MAX_SAFE_INTEGER);
        return emit(csvLine(['user_id', ...TOTALS]) + users.map((u: UserUsage) => csvLine([u.user_id, ...totals(u)])).join(''));
      }
      case 'models': {
        const models = await this.usage.modelTotals(range);
        const line = (m: ModelUsage): string => csvLine([m.platform_name, m.model_name, m.model_id, m.model_deleted, ...totals(m)]);
        return emit(csvLine(['platform', 'model', 'model_id', 'model_deleted', ...TOTALS]) + models.map(line).join(''));
      }
      case 'agents': {
        const agents = await this.usage.agentTotals(range);
        return emit(csvLine(['agent_name', ...TOTALS]) + agents.map((a: AgentUsage) => csvLine([a.agent_name, ...totals(a)])).join(''));
      }
    }
  }
}

/** Writes `text`, and waits for the client to take it when its buffer is full; stops if it went away. */
async function send(out: Writable, text: string): Promise<void> {
  if (out.destroyed) throw new Error('The client closed the connection during the export.');
  if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
}
