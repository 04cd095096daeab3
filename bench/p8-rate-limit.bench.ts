/**
 * P8 (issue 18): what rate limits cost on the call path. Sequential tracked `invoke`s of a user under an rpm limit (one
 * atomic check), and of one under rpm, tpm and concurrent (the prompt estimated before it leaves, a lease taken and
 * freed, the tokens corrected after), against the same invokes of a user without a limit in the same module, in
 * alternating halves: on Redis (goal ≤ 1.05×, as P2's) and on the database (a SQLite file; reported).
 */
import type { TestingModule } from '@nestjs/testing';
import { LlmManagerService } from '../src/llm-manager/llm-manager.service';
import { RateLimiter } from '../src/llm-manager/rate-limits/rate-limiter';
import { TestRedisKeys, TEST_REDIS_URL } from '../test/support/redis-keys';
import { TempStore } from '../test/support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../test/support/upstream-yaml';
import type { BenchContext } from './context';
import { meanMs, percentile, type Figure } from './stats';

const GOAL = 1.05;
const ROUNDS = 20;
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

interface Overhead {
  /** Under rpm, tpm and concurrent (every part of the limiter on the path). */
  all: number;
  /** Under an rpm limit only (one atomic check; nothing to free or correct after). */
  rpm: number;
  free: number;
}

async function overhead(ctx: BenchContext, app: TestingModule, backend: string): Promise<Overhead> {
  const calls = ctx.quick ? 100 : 3_000;
  if (app.get(RateLimiter).backend !== backend) throw new Error(`P8: the limiter runs on ${app.get(RateLimiter).backend}, not ${backend}`);
  const manager = app.get(LlmManagerService);
  // The same module for all three users: the only difference between them is the limit.
  await manager.setRateLimit({ userId: 'p8-free' });
  await manager.setRateLimit({ userId: 'p8-rpm', rpm: HIGH.rpm });
  const models = await Promise.all(['p8-all', 'p8-rpm', 'p8-free'].map((user) => manager.getUserLlm(user)));
  const run = (model: (typeof models)[number], n: number): Promise<number> => meanMs(n, async (i) => void (await model.invoke(`hello ${i}`)), 0);
  for (const model of models) await run(model, 50);
  // Short rounds, each user's order rotating: the machine's load drifts, so every side sees the same drift; medians.
  const rounds: number[][] = [[], [], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < models.length; k++) {
      const which = (round + k) % models.length;
      rounds[which]!.push(await run(models[which]!, Math.ceil(calls / ROUNDS)));
    }
  }
  const stored = (await manager.getRateLimits()).limits.length;
  if (stored !== 2) throw new Error(`P8: ${stored} stored rate limits, wanted 2`);
  const [all, rpm, free] = rounds.map((means) => percentile(means, 50)) as [number, number, number];
  return { all, rpm, free };
}

/** The limiter's own part of the call path: one admission under an rpm limit, as `invoke` awaits it (mean). */
async function admission(ctx: BenchContext, app: TestingModule): Promise<number> {
  const limiter = app.get(RateLimiter);
  const scope = { userId: 'p8-rpm', usageKey: 'main', tokenId: null };
  const tokens = async (): Promise<number> => 10;
  const admit = async (): Promise<void> => {
    const admitted = limiter.admit(scope, tokens);
    const hold = admitted === null ? null : await admitted;
    if (hold === null) throw new Error('P8: no rate limit applied');
  };
  await meanMs(200, admit, 0);
  return meanMs(ctx.quick ? 200 : 3000, admit, 0);
}

export async function benchRateLimit(ctx: BenchContext): Promise<Figure[]> {
  const keys = new TestRedisKeys();
  const redis = await limitedModule(ctx, keys.prefix);
  const database = await limitedModule(ctx, null);
  try {
    const onRedis = await overhead(ctx, redis.app, 'redis');
    const onDatabase = await overhead(ctx, database.app, 'database');
    // The least any limit shared through Redis can cost: one round trip before the call leaves.
    const client = keys.client;
    await meanMs(500, () => client.ping(), 0);
    const ping = await meanMs(ctx.quick ? 500 : 5000, () => client.ping(), 0);
    const admitOnRedis = await admission(ctx, redis.app);
    const admitOnDatabase = await admission(ctx, database.app);
    const floorNote = 'same invoke, no limit';
    return [
      {
        id: 'P8', label: 'invoke under an rpm limit, Redis (sequential)', value: onRedis.rpm, floor: onRedis.free, unit: 'ms/call',
        goal: `≤ ${GOAL}×`, met: onRedis.rpm <= onRedis.free * GOAL, floorNote,
      },
      {
        id: 'P8', label: 'invoke under rpm+tpm+concurrent limits, Redis (sequential)', value: onRedis.all, floor: onRedis.free, unit: 'ms/call',
        goal: `≤ ${GOAL}×`, met: onRedis.all <= onRedis.free * GOAL, floorNote,
      },
      {
        id: 'P8', label: 'what an rpm limit on Redis adds to an invoke', value: onRedis.rpm - onRedis.free, floor: ping, unit: 'ms/call',
        floorNote: 'one Redis PING round trip',
      },
      {
        id: 'P8', label: 'admission alone under an rpm limit, Redis (the call path\'s part)', value: admitOnRedis, floor: ping, unit: 'ms/call',
        floorNote: 'one Redis PING round trip',
      },
      {
        id: 'P8', label: 'admission alone under an rpm limit, database (SQLite)', value: admitOnDatabase, floor: ping, unit: 'ms/call',
        floorNote: 'one Redis PING round trip',
      },
      { id: 'P8', label: 'invoke under an rpm limit, database (SQLite, sequential)', value: onDatabase.rpm, floor: onDatabase.free, unit: 'ms/call', floorNote },
      {
        id: 'P8', label: 'invoke under rpm+tpm+concurrent limits, database (SQLite, sequential)', value: onDatabase.all, floor: onDatabase.free,
        unit: 'ms/call', floorNote,
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
