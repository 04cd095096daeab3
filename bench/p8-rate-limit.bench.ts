/**
 * P8 (issue 18): what rate limits cost on the call path. Sequential tracked `invoke`s of a user under a limit (rpm, tpm
 * and concurrent all set, so the call is counted, its prompt estimated before it leaves, its lease taken and freed and
 * its tokens corrected) against the same invokes of a user without one, in alternating halves: Redis (goal ≤ 1.05×,
 * as P2's) and the database (SQLite file; reported).
 */
import type { TestingModule } from '@nestjs/testing';
import { LlmManagerService } from '../src/llm-manager/llm-manager.service';
import { RateLimiter } from '../src/llm-manager/rate-limits/rate-limiter';
import { TestRedisKeys, TEST_REDIS_URL } from '../test/support/redis-keys';
import { TempStore } from '../test/support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../test/support/upstream-yaml';
import type { BenchContext } from './context';
import { meanMs, type Figure } from './stats';

const GOAL = 1.05;
const HIGH = { rpm: 2_000_000_000, tpm: 2_000_000_000, concurrent: 1_000_000 };

async function limitedModule(ctx: BenchContext, redisPrefix: string | null): Promise<{ app: TestingModule; store: TempStore }> {
  const store = new TempStore(upstreamYaml(ctx.upstream.url));
  const app = await store.start({
    env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY },
    autoKey: true,
    defaultUserRateLimit: HIGH,
    ...(redisPrefix === null ? {} : { redisUrl: TEST_REDIS_URL, redisKeyPrefix: redisPrefix }),
  });
  return { app, store };
}

async function overhead(ctx: BenchContext, app: TestingModule, backend: string): Promise<{ limited: number; free: number }> {
  const calls = ctx.quick ? 100 : 3_000;
  const half = Math.ceil(calls / 2);
  if (app.get(RateLimiter).backend !== backend) throw new Error(`P8: the limiter runs on ${app.get(RateLimiter).backend}, not ${backend}`);
  const manager = app.get(LlmManagerService);
  const limited = await manager.getUserLlm('p8-limited');
  // The same module, one user exempt: the only difference is the limit.
  await manager.setRateLimit({ userId: 'p8-free' });
  const free = await manager.getUserLlm('p8-free');
  const run = (model: typeof limited): Promise<number> => meanMs(half, async (i) => void (await model.invoke(`hello ${i}`)), 50);
  const freeA = await run(free);
  const limitedA = await run(limited);
  const limitedMs = (limitedA + (await run(limited))) / 2;
  const freeMs = (freeA + (await run(free))) / 2;
  const stored = (await manager.getRateLimits()).limits.length;
  if (stored !== 1) throw new Error(`P8: ${stored} stored rate limits, wanted the one exemption`);
  return { limited: limitedMs, free: freeMs };
}

export async function benchRateLimit(ctx: BenchContext): Promise<Figure[]> {
  const keys = new TestRedisKeys();
  const redis = await limitedModule(ctx, keys.prefix);
  const database = await limitedModule(ctx, null);
  try {
    const onRedis = await overhead(ctx, redis.app, 'redis');
    const onDatabase = await overhead(ctx, database.app, 'database');
    return [
      {
        id: 'P8', label: 'invoke under rpm+tpm+concurrent limits, Redis (sequential)', value: onRedis.limited, floor: onRedis.free, unit: 'ms/call',
        goal: `≤ ${GOAL}×`, met: onRedis.limited <= onRedis.free * GOAL, floorNote: 'same invoke, no limit',
      },
      {
        id: 'P8', label: 'invoke under rpm+tpm+concurrent limits, database (SQLite, sequential)', value: onDatabase.limited, floor: onDatabase.free,
        unit: 'ms/call', floorNote: 'same invoke, no limit',
      },
    ];
  } finally {
    await redis.app.close();
    await database.app.close();
    redis.store.remove();
    database.store.remove();
    await keys.close();
  }
}
