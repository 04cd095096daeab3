import type { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../llm-manager/database/usage-log-entry.entity';
import { PURGE_CHUNK_ROWS, UsageQueryService } from '../../llm-manager/usage/usage-query.service';

/** Most progress steps a large purge is cut into. */
const MAX_STEPS = 20;

/**
 * Deletes usage rows created before `cutoff` through the library's purge and returns how many went (with `dryRun`,
 * how many would). The library's purge deletes in chunks but says nothing until it is done, so a purge of more
 * than one chunk is cut into time slices from the oldest row to the cut-off, each a purge of its own, and
 * `progress` hears after each slice.
 */
export async function purgeWithProgress(
  app: INestApplicationContext,
  cutoff: Date,
  dryRun: boolean,
  progress: (deleted: number, total: number) => void,
): Promise<number> {
  const usage = app.get(UsageQueryService, { strict: false });
  const total = (await usage.summary({ until: cutoff })).requests;
  if (dryRun || total === 0) return total;
  if (total <= PURGE_CHUNK_ROWS) return usage.purge(cutoff);
  const dataSource = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN, { strict: false });
  const [oldest] = await dataSource.getRepository(UsageLogEntryEntity).find({ order: { createdAt: 'ASC' }, take: 1 });
  const start = Math.min(oldest?.createdAt.getTime() ?? cutoff.getTime(), cutoff.getTime());
  const steps = Math.min(MAX_STEPS, Math.ceil(total / PURGE_CHUNK_ROWS));
  let deleted = 0;
  for (let step = 1; step <= steps; step += 1) {
    const sliceEnd = step === steps ? cutoff : new Date(start + ((cutoff.getTime() - start) * step) / steps);
    deleted += await usage.purge(sliceEnd);
    progress(deleted, total);
  }
  return deleted;
}
