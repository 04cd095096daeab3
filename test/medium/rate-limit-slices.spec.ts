import type { TestingModule } from '@nestjs/testing';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { RateLimitStore } from '../../src/llm-manager/rate-limits/rate-limit-store';
import { budgetYaml, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { startAtMidMinute } from '../support/mid-minute-clock';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_REDIS_URL, TestRedisKeys } from '../support/redis-keys';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * On Redis a process reserves slices of a roomy limit ahead (LocalQuotas): most calls are admitted without a round
 * trip (bench P8), every slice is counted when granted, so instances together never pass the limit; near the limit
 * each call is counted on its own; what a process does not use goes back when idle and on shutdown.
 */
describe('rate-limit slices on Redis (issue 18, P8)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let redis: TestRedisKeys;
  const apps: TestingModule[] = [];

  const start = async (limit: LlmManagerOptions['defaultUserRateLimit']): Promise<TestingModule> => {
    const app = await startAtMidMinute(store, {
      env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY },
      maxRetries: 0,
      autoKey: true,
      billedUsage: 'reported',
      usageJournal: false,
      defaultUserRateLimit: limit,
      redisUrl: TEST_REDIS_URL,
      redisKeyPrefix: redis.prefix,
    });
    apps.push(app);
    return app;
  };
  /** The requests counted in alice's current window, and the places held among her concurrent calls. */
  const counted = async (): Promise<{ requests: number; places: number }> => {
    const keys = await redis.keys();
    const window = keys.find((key) => key.startsWith(`${redis.prefix}rl:u:alice:w:`));
    const requests = window === undefined ? 0 : Number((await redis.client.hget(window, 'r')) ?? 0);
    return { requests, places: await redis.client.zcard(`${redis.prefix}rl:u:alice:c`) };
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    store = new TempStore(budgetYaml(upstream.url));
    redis = new TestRedisKeys();
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await redis.close();
    store.remove();
    upstream.reset();
  });

  it('100 calls under a roomy limit make a handful of trips to Redis, not 100', async () => {
    const app = await start({ rpm: 100_000, tpm: 10_000_000, concurrent: 1000 });
    const trips = jest.spyOn(app.get(RateLimitStore), 'acquire');
    const alice = await app.get(LlmManagerService).getUserLlm('alice');
    for (let i = 0; i < 100; i++) await alice.invoke(`hi ${i}`);
    expect(upstream.chatRequests).toHaveLength(100);
    // Slices of 4, 8, 16, 32, 64 beyond the call that asks for them.
    expect(trips.mock.calls.length).toBeLessThanOrEqual(6);
    const now = await counted();
    expect(now.requests).toBeGreaterThan(100);
    expect(now.places).toBeGreaterThan(0);
  });

  it('what no call used goes back to Redis once idle, and on shutdown', async () => {
    const app = await start({ rpm: 100_000, concurrent: 1000 });
    const alice = await app.get(LlmManagerService).getUserLlm('alice');
    for (let i = 0; i < 3; i++) await alice.invoke(`hi ${i}`);
    expect((await counted()).requests).toBeGreaterThan(3);
    const deadline = Date.now() + 3000;
    while ((await counted()).requests !== 3 && Date.now() < deadline) await sleep(50);
    expect(await counted()).toEqual({ requests: 3, places: 0 });

    await alice.invoke('again');
    expect((await counted()).requests).toBeGreaterThan(4);
    await apps.splice(0)[0]!.close();
    expect(await counted()).toEqual({ requests: 4, places: 0 });
  });

  it('under a small limit every call is counted on its own: 50 of rpm 50 pass, the 51st is refused, nothing is held ahead', async () => {
    const app = await start({ rpm: 50, concurrent: 60 });
    const alice = await app.get(LlmManagerService).getUserLlm('alice');
    for (let i = 0; i < 50; i++) {
      await alice.invoke(`hi ${i}`);
      await app.get(CallRecorder).drain();
      expect(await counted()).toEqual({ requests: i + 1, places: 0 });
    }
    await expect(alice.invoke('one more')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'rpm' } });
    expect((await counted()).requests).toBe(50);
  });

  it('a limit lowered while a slice is held applies at once: what the slice held is given back, not lost', async () => {
    const app = await start({ rpm: 100_000 });
    const manager = app.get(LlmManagerService);
    const alice = await manager.getUserLlm('alice');
    for (let i = 0; i < 10; i++) await alice.invoke(`hi ${i}`);
    expect((await counted()).requests).toBeGreaterThan(10);
    await manager.setRateLimit({ userId: 'alice', rpm: 12 });
    await alice.invoke('eleventh');
    await alice.invoke('twelfth');
    await expect(alice.invoke('thirteenth')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'rpm', limitValue: 12 } });
    expect((await counted()).requests).toBe(12);
  });

  it('two instances share a roomy limit by slices and together pass exactly the limit, never more', async () => {
    const [a, b] = await Promise.all([start({ rpm: 300 }), start({ rpm: 300 })]);
    const llms = await Promise.all([a, b].map((app) => app!.get(LlmManagerService).getUserLlm('alice')));
    // Both instances call in turns, then at once, until each has been refused.
    const outcomes = await Promise.all(
      llms.map(async (llm) => {
        let ok = 0;
        for (let refusedInARow = 0; refusedInARow < 3; ) {
          const batch = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => llm.invoke(`hi ${i}`)));
          const passed = batch.filter((o) => o.status === 'fulfilled').length;
          ok += passed;
          refusedInARow = passed === 0 ? refusedInARow + 1 : 0;
        }
        return ok;
      }),
    );
    expect(outcomes[0]! + outcomes[1]!).toBe(300);
    expect(upstream.chatRequests).toHaveLength(300);
    expect(outcomes.every((ok) => ok > 0)).toBe(true);
  });

  it('concurrent places: an instance keeps a few free between its calls while the limit has room, and gives them back when idle', async () => {
    const app = await start({ concurrent: 200 });
    const alice = await app.get(LlmManagerService).getUserLlm('alice');
    for (let i = 0; i < 5; i++) await alice.invoke(`hi ${i}`);
    // At most a 16th of the room: 12 of 200 while alice's call is the only one.
    const held = (await counted()).places;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(12);
    const deadline = Date.now() + 3000;
    while ((await counted()).places !== 0 && Date.now() < deadline) await sleep(50);
    expect((await counted()).places).toBe(0);
  });
});
