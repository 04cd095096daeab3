import type { TestingModule } from '@nestjs/testing';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { budgetYaml, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { LedgerChild } from '../support/ledger-process';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_REDIS_URL, TestRedisKeys } from '../support/redis-keys';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';

/** A moment at least 4 s away and at least 15 s before the end of its minute: a burst then stays in one window. */
function burstMoment(): number {
  const at = Date.now() + 4000;
  return at % 60_000 < 45_000 ? at : at - (at % 60_000) + 60_000 + 1000;
}

describe.each(['database', 'redis'] as const)('rate limits shared by two processes through the %s (issue 18)', (backend) => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let redis: TestRedisKeys;
  let app: TestingModule;
  const children: LedgerChild[] = [];

  const options = (limit: LlmManagerOptions['defaultUserRateLimit'], extra: LlmManagerOptions = {}): LlmManagerOptions =>
    store.options({
      env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY },
      autoKey: true,
      maxRetries: 0,
      billedUsage: 'reported',
      usageJournal: false,
      defaultUserRateLimit: limit,
      ...(backend === 'redis' ? { redisUrl: TEST_REDIS_URL, redisKeyPrefix: redis.prefix } : {}),
      ...extra,
    });

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    upstream.scriptModel('fake-slow', { reply: 'ok', usage: CALL_USAGE, firstByteDelayMs: 60_000 });
    store = new TempStore(budgetYaml(upstream.url));
    redis = new TestRedisKeys();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await app?.close();
    await redis.close();
    store.remove();
    upstream.reset();
  });

  /** Two processes, `calls` at once each against `rpm` at the same moment; how many went and were refused in all. */
  const burstOfTwo = async (rpm: number, calls: number): Promise<{ ok: number; refused: number }> => {
    app = await store.start(options({ rpm }));
    const env = { BURST_AT: String(burstMoment()) };
    const pair = [LedgerChild.start('rate-burst', calls, options({ rpm }), { env }), LedgerChild.start('rate-burst', calls, options({ rpm }), { env })];
    children.push(...pair);
    const said = await Promise.all(pair.map((child) => child.waitFor('burst')));
    await Promise.all(pair.map((child) => child.exited(20_000)));
    return { ok: said.reduce((n, s) => n + Number(s.ok), 0), refused: said.reduce((n, s) => n + Number(s.refused), 0) };
  };

  it('two processes, 40 calls at once each, against 25 requests per minute: exactly 25 reach the upstream in all, not 50', async () => {
    expect(await burstOfTwo(25, 40)).toEqual({ ok: 25, refused: 55 });
    expect(upstream.chatRequests).toHaveLength(25);
  }, 120_000);

  // Slices are Redis's (the database counts every call on its own, as the test above shows): defined there only.
  if (backend === 'redis') it('a roomy limit, where slices are reserved ahead on Redis: two processes × 250 calls at once against 300 per minute never pass 300 together', async () => {
    const { ok, refused } = await burstOfTwo(300, 250);
    expect(ok + refused).toBe(500);
    expect(ok).toBeLessThanOrEqual(300);
    // A slice a process reserved and did not use went back when it stopped: a third instance takes the rest.
    const alice = await app.get(LlmManagerService).getUserLlm('alice');
    let more = 0;
    while (await alice.invoke('after').then(() => true, () => false)) more += 1;
    expect(ok + more).toBe(300);
    expect(upstream.chatRequests).toHaveLength(300);
  }, 120_000);

  it('a process killed mid-call holds its place among the concurrent calls only until its lease expires', async () => {
    const limited = options({ concurrent: 1 }, { rateLimitLeaseMs: 1500 });
    app = await store.start(limited);
    const child = LedgerChild.start('budget-hold', 1, limited);
    children.push(child);
    await upstream.waitForRequests(1);
    const alice = await app.get(LlmManagerService).getUserLlm('alice');
    // The child renews its lease while it lives: past several lease periods its call still holds the place.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await expect(alice.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'concurrent' } });
    child.kill('SIGKILL');
    await child.exited(10_000);
    const killedAt = Date.now();
    for (;;) {
      const ok = await alice.invoke('hi').then(() => true, () => false);
      if (ok) break;
      if (Date.now() - killedAt > 10_000) throw new Error('the killed process\'s lease was never freed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Freed once the lease ran out: at most 1.5 s after the last renewal, plus a sweep on the database.
    expect(Date.now() - killedAt).toBeLessThan(6000);
  }, 60_000);
});
