import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import type { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { RateLimitCounterEntity } from '../../src/llm-manager/rate-limits/rate-limit-counter.entity';
import { RateLimitLeaseEntity } from '../../src/llm-manager/rate-limits/rate-limit-lease.entity';
import { RateLimiter } from '../../src/llm-manager/rate-limits/rate-limiter';
import { Clock } from '../../src/llm-manager/usage/clock';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { budgetYaml, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { startAtMidMinute } from '../support/mid-minute-clock';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_REDIS_URL, TestRedisKeys } from '../support/redis-keys';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';

type Backend = 'database' | 'redis';

/** A fake upstream, a store on this run's engine, a Redis key prefix; the module started on a MidMinuteClock. */
function useLimitedApp(backend: Backend) {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let redis: TestRedisKeys;
  let app: TestingModule | undefined;

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
    await app?.close();
    app = undefined;
    await redis.close();
    store.remove();
    upstream.reset();
  });

  return {
    get upstream(): FakeUpstream {
      return upstream;
    },
    get store(): TempStore {
      return store;
    },
    get redis(): TestRedisKeys {
      return redis;
    },
    get app(): TestingModule {
      if (!app) throw new Error('start() first');
      return app;
    },
    async start(options: LlmManagerOptions = {}): Promise<void> {
      app = await startAtMidMinute(store, {
        env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY },
        maxRetries: 0,
        autoKey: true,
        billedUsage: 'reported',
        ...(backend === 'redis' ? { redisUrl: TEST_REDIS_URL, redisKeyPrefix: redis.prefix } : {}),
        ...options,
      });
    },
    llm(): LlmManagerService {
      return this.app.get(LlmManagerService);
    },
    dataSource(): DataSource {
      return this.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    },
    /** Every ended call's row counted and written, its budget and rate-limit holds settled. */
    async settled(): Promise<void> {
      await this.app.get(CallRecorder).drain();
      await this.app.get(UsageWriter).flush();
    },
  };
}

describe.each<Backend>(['database', 'redis'])('rate limits on the %s: counted atomically before a call leaves (issue 18)', (backend) => {
  const t = useLimitedApp(backend);
  const codes = (outcomes: PromiseSettledResult<unknown>[]): string[] =>
    outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => (o.reason as LlmManagerError).code);

  it('40 calls at once against 5 requests per minute: exactly 5 reach the upstream, 35 are refused with RATE_LIMITED and no usage row', async () => {
    await t.start({ defaultUserRateLimit: { rpm: 5 } });
    expect(t.app.get(RateLimiter).backend).toBe(backend);
    const alice = await t.llm().getUserLlm('alice');
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => alice.invoke('hi')));
    expect(codes(outcomes)).toEqual(Array(35).fill('RATE_LIMITED'));
    expect(t.upstream.chatRequests).toHaveLength(5);
    await t.settled();
    expect(await t.dataSource().getRepository(UsageLogEntryEntity).countBy({ userId: 'alice' })).toBe(5);

    const refusal = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as LlmManagerError;
    expect(refusal.message).toMatch(/^Rate limit reached for user "alice" \(the default per-user limit\): 5 requests per minute\. Nothing was sent\. Retry after \d+ s/);
    expect(refusal.details).toMatchObject({ limit: 'rpm', scope: 'user', limitValue: 5, userId: 'alice', ruleId: null });
    expect(refusal.details!['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect(refusal.details!['retryAfterSeconds']).toBeLessThanOrEqual(60);

    // Another user has a minute of their own.
    await expect((await t.llm().getUserLlm('bob')).invoke('hi')).resolves.toBeDefined();
    if (backend === 'redis') expect(Math.min(...(await t.redis.ttls()))).toBeGreaterThan(0);
  });

  it('3 calls at once: of 10 slow calls exactly 3 reach the upstream; once they end their places are free again', async () => {
    await t.start({ defaultUserRateLimit: { concurrent: 3 } });
    t.upstream.scriptModel('fake-slow', { reply: 'slow', usage: CALL_USAGE, firstByteDelayMs: 300 });
    const slow = await t.llm().getUserLlm('alice', { usageKey: 'slow' });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => slow.invoke('hi')));
    expect(codes(outcomes)).toEqual(Array(7).fill('RATE_LIMITED'));
    expect(t.upstream.chatRequests).toHaveLength(3);
    const refusal = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as LlmManagerError;
    expect(refusal.details).toMatchObject({ limit: 'concurrent', limitValue: 3, retryAfterSeconds: 1 });

    await t.settled();
    const again = await Promise.allSettled(Array.from({ length: 3 }, () => slow.invoke('hi')));
    expect(codes(again)).toEqual([]);
    await t.settled();
    if (backend === 'database') {
      expect(await t.dataSource().getRepository(RateLimitLeaseEntity).count()).toBe(0);
      expect((await t.dataSource().getRepository(RateLimitCounterEntity).findOneByOrFail({ limitKey: 'u:alice' })).inFlight).toBe(0);
    }
  });

  it('a call aborted mid-stream and a call the upstream fails both give their place back', async () => {
    await t.start({ defaultUserRateLimit: { concurrent: 1 } });
    t.upstream.scriptModel('fake-slow', { reply: 'a b c d e f', usage: CALL_USAGE, chunkCount: 6, chunkDelayMs: 200 });
    const slow = await t.llm().getUserLlm('alice', { usageKey: 'slow' });
    const controller = new AbortController();
    await expect(
      (async () => {
        for await (const _ of await slow.stream('abort me', { signal: controller.signal })) controller.abort();
      })(),
    ).rejects.toThrow();
    await t.settled();

    t.upstream.scriptModel('fake-chat', { error: { status: 500, message: 'boom' } });
    const alice = await t.llm().getUserLlm('alice');
    await expect(alice.invoke('fail')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    await t.settled();

    t.upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    await expect(alice.invoke('hi')).resolves.toBeDefined();
    expect(t.upstream.chatRequests).toHaveLength(3);
  });

  it('a call its caller aborts while it waits for admission sends nothing, records nothing and gives its place back', async () => {
    await t.start({ defaultUserRateLimit: { concurrent: 1, rpm: 2 } });
    const limiter = t.app.get(RateLimiter);
    const admit = limiter.admit.bind(limiter);
    const controller = new AbortController();
    const spy = jest.spyOn(limiter, 'admit').mockImplementationOnce((scope, tokens) => {
      controller.abort(); // while the call is in admission: after the tracker's own check of the signal
      return admit(scope, tokens);
    });
    const dan = await t.llm().getUserLlm('dan');
    await expect(dan.invoke('hi', { signal: controller.signal })).rejects.toThrow(/abort/i);
    spy.mockRestore();
    await t.settled();
    expect(t.upstream.chatRequests).toHaveLength(0);
    // Its concurrency place and its request are back: two more calls fit rpm 2 one after the other (each call's own
    // place is freed when its row is counted: settled between them).
    await dan.invoke('one');
    await t.settled();
    await dan.invoke('two');
    await t.settled();
    expect(await t.dataSource().getRepository(UsageLogEntryEntity).count()).toBe(2);
  });

  it('tokens per minute: the prompt\'s estimate counts before the call, the call\'s tokens replace it when it ends', async () => {
    // Each call bills 3 + 100 = 103 tokens (reported); its prompt "hi" is estimated at a few tokens.
    await t.start({ defaultUserRateLimit: { tpm: 250 } });
    const alice = await t.llm().getUserLlm('alice');
    const passed: boolean[] = [];
    for (let i = 0; i < 5; i += 1) {
      passed.push(await alice.invoke('hi').then(() => true, (error: LlmManagerError) => (expect(error.code).toBe('RATE_LIMITED'), false)));
      await t.settled();
    }
    // 0 → 103 → 206 → refused: 206 + the estimate of "hi" fits, 309 does not. Without the correction all five would pass.
    expect(passed).toEqual([true, true, true, false, false]);
    const prompt = 'word '.repeat(400);
    await expect((await t.llm().getUserLlm('bob')).invoke(prompt)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/^This call's prompt alone is about \d+ tokens, more than the 250 tokens per minute allowed/),
    });
  });
});

describe('rate limits per user, slot and API token, set by administrators (issue 18)', () => {
  const t = useLimitedApp('database');

  it('a user\'s own limit replaces the default (a limit of nothing exempts); a slot\'s limit counts that slot\'s calls on top', async () => {
    await t.start({ defaultUserRateLimit: { rpm: 1 } });
    const exempt = await t.llm().setRateLimit({ userId: 'vip' });
    await t.llm().setRateLimit({ userId: 'carol', rpm: 3 });
    await t.llm().setRateLimit({ userId: 'carol', usageKey: 'slow', rpm: 1 });
    t.upstream.scriptModel('fake-slow', { reply: 'ok', usage: CALL_USAGE });

    const vip = await t.llm().getUserLlm('vip');
    for (let i = 0; i < 4; i += 1) await vip.invoke('hi');
    const carolSlow = await t.llm().getUserLlm('carol', { usageKey: 'slow' });
    const carol = await t.llm().getUserLlm('carol');
    await carolSlow.invoke('hi');
    await expect(carolSlow.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'slot', usageKey: 'slow', limit: 'rpm' } });
    await carol.invoke('hi');
    await carol.invoke('hi');
    await expect(carol.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'user', limitValue: 3 } });
    expect(t.upstream.chatRequests).toHaveLength(7);

    const listed = await t.llm().getRateLimits();
    expect(listed).toMatchObject({ backend: 'database', defaultUser: { rpm: 1, tpm: null, concurrent: null } });
    expect(listed.limits.map((l) => [l.scope, l.userId, l.usageKey, l.rpm])).toEqual([
      ['user', 'vip', null, null],
      ['user', 'carol', null, 3],
      ['slot', 'carol', 'slow', 1],
    ]);
    await t.llm().deleteRateLimit(exempt.id);
    await vip.invoke('hi');
    await expect(vip.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { ruleId: null } });
  });

  it('the default is for users: the system user (getSpecSysLlm, admin tests) is limited only by a row of its own', async () => {
    await t.start({ defaultUserRateLimit: { rpm: 1 } });
    const system = await t.llm().getUserLlm(SYSTEM_USER_ID);
    for (let i = 0; i < 3; i += 1) await system.invoke('hi');
    // Uncounted while no limit applied to it: a row of its own starts counting from here.
    await t.llm().setRateLimit({ userId: SYSTEM_USER_ID, rpm: 4 });
    for (let i = 0; i < 4; i += 1) await system.invoke('hi');
    await expect(system.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'user', limitValue: 4 } });
  });

  it('the YAML\'s rate_limits.default_user limits every user; the option, when set, wins over it', async () => {
    t.store.writeYaml(`${budgetYaml(t.upstream.url)}rate_limits:\n  default_user: { rpm: 1 }\n`);
    await t.start();
    expect((await t.llm().getRateLimits()).defaultUser).toEqual({ rpm: 1, tpm: null, concurrent: null });
    const alice = await t.llm().getUserLlm('alice');
    await alice.invoke('hi');
    await expect(alice.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { ruleId: null, limitValue: 1 } });
    await t.app.close();
    await t.start({ defaultUserRateLimit: { rpm: 2 } });
    expect((await t.llm().getRateLimits()).defaultUser).toEqual({ rpm: 2, tpm: null, concurrent: null });
  });

  it('bad input changes nothing and says what to do', async () => {
    await t.start();
    await expect(t.llm().setRateLimit({ rpm: 5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('userId') });
    await expect(t.llm().setRateLimit({ userId: 'a', rpm: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('rpm=0') });
    await expect(t.llm().setRateLimit({ userId: 'a', tokenId: 1, rpm: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(t.llm().setRateLimit({ tokenId: 99, rpm: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.llm().deleteRateLimit(12345)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.llm().getRateLimits()).limits).toEqual([]);
  });

  it('no limit anywhere: admission answers synchronously with null, no query; a limit set later applies at once', async () => {
    await t.start();
    const limiter = t.app.get(RateLimiter);
    const scope = { userId: 'alice', usageKey: 'main', tokenId: null };
    await limiter.admit(scope, async () => 1);
    expect(limiter.admit(scope, async () => 1)).toBeNull();
    await t.llm().setRateLimit({ userId: 'alice', rpm: 1 });
    const alice = await t.llm().getUserLlm('alice');
    await alice.invoke('hi');
    await expect(alice.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a lease whose process stopped renewing it (a crash) frees its place once it expires', async () => {
    await t.start({ defaultUserRateLimit: { concurrent: 1 }, rateLimitLeaseMs: 300 });
    const alice = await t.llm().getUserLlm('alice');
    await alice.invoke('hi');
    await t.app.get(CallRecorder).drain();
    // What a process killed mid-call leaves behind: a counted call and its lease, never released.
    const data = t.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    await data.getRepository(RateLimitLeaseEntity).insert({ callId: 'dead-call', limitKey: 'u:alice', owner: 'dead-process', expiresAt: t.app.get(Clock).now().getTime() + 200 });
    await data.getRepository(RateLimitCounterEntity).update({ limitKey: 'u:alice' }, { inFlight: 1 });
    await expect(alice.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'concurrent' } });
    const deadline = Date.now() + 5000;
    for (;;) {
      const ok = await alice.invoke('hi').then(() => true, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the dead lease was never freed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await data.getRepository(RateLimitLeaseEntity).countBy({ callId: 'dead-call' })).toBe(0);
  });

  it('Redis down: a call with a limit is refused with RATE_LIMITER_UNAVAILABLE and nothing leaves; a call without one goes', async () => {
    await t.start({ defaultUserRateLimit: { rpm: 100 }, redisUrl: 'redis://:s3cret-pass@127.0.0.1:1/0', redisKeyPrefix: 'llm-mgr-test:down:' });
    await t.llm().setRateLimit({ userId: 'free' });
    const error = (await (await t.llm().getUserLlm('alice')).invoke('hi').catch((e: unknown) => e)) as LlmManagerError;
    expect(error).toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE', details: { retryAfterSeconds: 5 } });
    expect(error.message).not.toContain('s3cret');
    expect(t.upstream.chatRequests).toHaveLength(0);
    await expect((await t.llm().getUserLlm('free')).invoke('hi')).resolves.toBeDefined();
  });
});
