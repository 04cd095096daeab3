// A child process of stored-instants.spec.ts, run with TZ set: writes or reads instants and prints them as epoch ms.
import 'reflect-metadata';
import { ApiTokenEntity } from '../../src/llm-manager/api-tokens/api-token.entity';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import type { LlmManagerDatabaseOptions } from '../../src/llm-manager/llm-manager.options';
import { SystemClock } from '../../src/llm-manager/usage/clock';
import { UsageQueryService } from '../../src/llm-manager/usage/usage-query.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { usageRow } from './usage-rows';

async function main(step: string): Promise<void> {
  const dataSource = await openDataSource(JSON.parse(process.env.PROBE_DATABASE!) as LlmManagerDatabaseOptions);
  try {
    const tokens = dataSource.getRepository(ApiTokenEntity);
    if (step === 'write') {
      await dataSource.runMigrations({ transaction: 'all' });
      const before = Date.now();
      const saved = await tokens.save(
        tokens.create({ userId: 'u', name: 'probe', tokenHash: 'f'.repeat(64), prefix: 'llmu_x', lastUsedAt: new Date(), revokedAt: null }),
      );
      const writer = new UsageWriter(dataSource, new SystemClock());
      const usageAt = new Date();
      writer.enqueue(usageRow({ userId: 'u', modelId: 1, totalTokens: 2, latencyMs: 1, createdAt: usageAt }));
      await writer.beforeApplicationShutdown();
      const row = await tokens.findOneByOrFail({ id: saved.id });
      print({ before, createdAt: row.createdAt.getTime(), lastUsedAt: row.lastUsedAt!.getTime(), usageAt: usageAt.getTime() });
    } else {
      const row = await tokens.findOneByOrFail({ name: 'probe' });
      const clock = new SystemClock();
      const usage = new UsageQueryService(dataSource, new UsageWriter(dataSource, clock), clock);
      const timeline = await usage.timeline('u', { granularity: 'hour', since: new Date(Date.now() - 3_600_000) });
      const [entry] = await dataSource.getRepository(UsageLogEntryEntity).find();
      const usageAt = entry.createdAt.getTime();
      print({
        createdAt: row.createdAt.getTime(),
        lastUsedAt: row.lastUsedAt!.getTime(),
        usageAt,
        usageInLastHour: timeline.reduce((sum, bucket) => sum + bucket.requests, 0),
      });
    }
  } finally {
    await dataSource.destroy();
  }
}

function print(values: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify(values)}\n`);
}

void main(process.argv[2] ?? 'read').catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
