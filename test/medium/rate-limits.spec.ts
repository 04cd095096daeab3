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

describe.each<Backend>(['database', 'redis'])('rate limits on the %s: counted atomically before a call leaves (issue 18)', (backend) => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let redis: TestRedisKeys;
  let app: TestingModule;

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
    await redis.close();
    store.remove();
    upstream.reset();
  });

  async function start(options: LlmManagerOptions): Promise<void> {
    app = await startAtMidMinute(store, {
      env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY },
      maxRetries: 0,
      autoKey: true,
      billedUsage: 'reported',
      ...(backend === 'redis' ? { redisUrl: TEST_REDIS_URL, redisKeyPrefix: redis.prefix } : {}),
      ...options,
    });
  }
  const llm = (): LlmManagerService => app.get(LlmManagerService);
  const dataSource = (): DataSource => app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  async function settled(): Promise<void> {
    await app.get(CallRecorder).drain();
    await app.get(UsageWriter).flush();
  }
  const codes = (outcomes: PromiseSettledResult<unknown>[]): string[] =>
    outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => (o.reason as LlmManagerError).code);

  it('40 calls at once against 5 requests per minute: exactly 5 reach the upstream, 35 are refused with RATE_LIMITED and no usage row', async () => {
    await start({ defaultUserRateLimit: { rpm: 5 } });
    expect(app.get(RateLimiter).backend).toBe(backend);
    const alice = await llm().getUserLlm('alice');
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => alice.invoke('hi')));
    expect(codes(outcomes)).toEqual(Array(35).fill('RATE_LIMITED'));
    expect(upstream.chatRequests).toHaveLength(5);
    await settled();
    expect(await dataSource().getRepository(UsageLogEntryEntity).countBy({ userId: 'alice' })).toBe(5);

    const refusal = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as LlmManagerError;
    expect(refusal.message).toMatch(/^Rate limit reached for user "alice" \(the default per-user limit\): 5 requests per minute\. Nothing was sent\. Retry after \d+ s/);
    expect(refusal.details).toMatchObject({ limit: 'rpm', scope: 'user', limitValue: 5, userId: 'alice', ruleId: null });
    expect(refusal.details!['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect(refusal.details!['retryAfterSeconds']).toBeLessThanOrEqual(60);

    // Another user has a minute of their own.
    await expect((await llm().getUserLlm('bob')).invoke('hi')).resolves.toBeDefined();
    if (backend === 'redis') expect(Math.min(...(await redis.ttls()))).toBeGreaterThan(0);
  });

  it('3 calls at once: of 10 slow calls exactly 3 reach the upstream; once they end their places are free again', async () => {
    await start({ defaultUserRateLimit: { concurrent: 3 } });
    upstream.scriptModel('fake-slow', { reply: 'slow', usage: CALL_USAGE, firstByteDelayMs: 300 });
    const slow = await llm().getUserLlm('alice', { usageKey: 'slow' });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => slow.invoke('hi')));
    expect(codes(outcomes)).toEqual(Array(7).fill('RATE_LIMITED'));
    expect(upstream.chatRequests).toHaveLength(3);
    const refusal = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as LlmManagerError;
    expect(refusal.details).toMatchObject({ limit: 'concurrent', limitValue: 3, retryAfterSeconds: 1 });

    await settled();
    const again = await Promise.allSettled(Array.from({ length: 3 }, () => slow.invoke('hi')));
    expect(codes(again)).toEqual([]);
    await settled();
    if (backend === 'database') {
      expect(await dataSource().getRepository(RateLimitLeaseEntity).count()).toBe(0);
      expect((await dataSource().getRepository(RateLimitCounterEntity).findOneByOrFail({ limitKey: 'u:alice' })).inFlight).toBe(0);
    }
  });

  it('a call aborted mid-stream and a call the upstream fails both give their place back', async () => {
    await start({ defaultUserRateLimit: { concurrent: 1 } });
    upstream.scriptModel('fake-slow', { reply: 'a b c d e f', usage: CALL_USAGE, chunkCount: 6, chunkDelayMs: 200 });
    const slow = await llm().getUserLlm('alice', { usageKey: 'slow' });
    const controller = new AbortController();
    await expect(
      (async () => {
        for await (const _ of await slow.stream('abort me', { signal: controller.signal })) controller.abort();
      })(),
    ).rejects.toThrow();
    await settled();

    upstream.scriptModel('fake-chat', { error: { status: 500, message: 'boom' } });
    const alice = await llm().getUserLlm('alice');
    await expect(alice.invoke('fail')).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    await settled();

    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    await expect(alice.invoke('hi')).resolves.toBeDefined();
    expect(upstream.chatRequests).toHaveLength(3);
  });

  it('tokens per minute: the prompt\'s estimate counts before the call, the call\'s tokens replace it when it ends', async () => {
    // Each call bills 3 + 100 = 103 tokens (reported); its prompt "hi" is estimated at a few tokens.
    await start({ defaultUserRateLimit: { tpm: 250 } });
    const alice = await llm().getUserLlm('alice');
    const passed: boolean[] = [];
    for (let i = 0; i < 5; i += 1) {
      passed.push(await alice.invoke('hi').then(() => true, (error: LlmManagerError) => (expect(error.code).toBe('RATE_LIMITED'), false)));
      await settled();
    }
    // 0 → 103 → 206 → refused: 206 + the estimate of "hi" fits, 309 does not. Without the correction all five would pass.
    expect(passed).toEqual([true, true, true, false, false]);
    const prompt = 'word '.repeat(400);
    await expect((await llm().getUserLlm('bob')).invoke(prompt)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/^This call's prompt alone is about \d+ tokens, more than the 250 tokens per minute allowed/),
    });
  });
});

describe('rate limits per user, slot and API token, set by administrators (issue 18)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let app: TestingModule;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    store = new TempStore(budgetYaml(upstream.url));
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
  });
  afterEach(async () => {
    await app?.close();
    store.remove();
    upstream.reset();
  });
  const llm = (): LlmManagerService => app.get(LlmManagerService);
  const start = async (options: LlmManagerOptions = {}): Promise<void> => {
    app = await startAtMidMinute(store, { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, autoKey: true, ...options });
  };

  it('a user\'s own limit replaces the default (a limit of nothing exempts); a slot\'s limit counts that slot\'s calls on top', async () => {
    await start({ defaultUserRateLimit: { rpm: 1 } });
    const exempt = await llm().setRateLimit({ userId: 'vip' });
    await llm().setRateLimit({ userId: 'carol', rpm: 3 });
    await llm().setRateLimit({ userId: 'carol', usageKey: 'slow', rpm: 1 });
    upstream.scriptModel('fake-slow', { reply: 'ok', usage: CALL_USAGE });

    const vip = await llm().getUserLlm('vip');
    for (let i = 0; i < 4; i += 1) await vip.invoke('hi');
    const carolSlow = await llm().getUserLlm('carol', { usageKey: 'slow' });
    const carol = await llm().getUserLlm('carol');
    await carolSlow.invoke('hi');
    await expect(carolSlow.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'slot', usageKey: 'slow', limit: 'rpm' } });
    await carol.invoke('hi');
    await carol.invoke('hi');
    await expect(carol.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'user', limitValue: 3 } });
    expect(upstream.chatRequests).toHaveLength(7);

    const listed = await llm().getRateLimits();
    expect(listed).toMatchObject({ backend: 'database', defaultUser: { rpm: 1, tpm: null, concurrent: null } });
    expect(listed.limits.map((l) => [l.scope, l.userId, l.usageKey, l.rpm])).toEqual([
      ['user', 'vip', null, null],
      ['user', 'carol', null, 3],
      ['slot', 'carol', 'slow', 1],
    ]);
    await llm().deleteRateLimit(exempt.id);
    await vip.invoke('hi');
    await expect(vip.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { ruleId: null } });
  });

  it('the YAML\'s rate_limits.default_user limits every user; the option, when set, wins over it', async () => {
    store.writeYaml(`${budgetYaml(upstream.url)}rate_limits:\n  default_user: { rpm: 1 }\n`);
    await start();
    expect((await llm().getRateLimits()).defaultUser).toEqual({ rpm: 1, tpm: null, concurrent: null });
    const alice = await llm().getUserLlm('alice');
    await alice.invoke('hi');
    await expect(alice.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { ruleId: null, limitValue: 1 } });
    await app.close();
    await start({ defaultUserRateLimit: { rpm: 2 } });
    expect((await llm().getRateLimits()).defaultUser).toEqual({ rpm: 2, tpm: null, concurrent: null });
  });

  it('bad input changes nothing and says what to do', async () => {
    await start();
    await expect(llm().setRateLimit({ rpm: 5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('userId') });
    await expect(llm().setRateLimit({ userId: 'a', rpm: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('rpm=0') });
    await expect(llm().setRateLimit({ userId: 'a', tokenId: 1, rpm: 1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(llm().setRateLimit({ tokenId: 99, rpm: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(llm().deleteRateLimit(12345)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await llm().getRateLimits()).limits).toEqual([]);
  });

  it('no limit anywhere: admission answers synchronously with null, no query; a limit set later applies at once', async () => {
    await start();
    const limiter = app.get(RateLimiter);
    const scope = { userId: 'alice', usageKey: 'main', tokenId: null };
    await limiter.admit(scope, async () => 1);
    expect(limiter.admit(scope, async () => 1)).toBeNull();
    await llm().setRateLimit({ userId: 'alice', rpm: 1 });
    const alice = await llm().getUserLlm('alice');
    await alice.invoke('hi');
    await expect(alice.invoke('hi')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a lease whose process stopped renewing it (a crash) frees its place once it expires', async () => {
    await start({ defaultUserRateLimit: { concurrent: 1 }, rateLimitLeaseMs: 300 });
    const alice = await llm().getUserLlm('alice');
    await alice.invoke('hi');
    await app.get(CallRecorder).drain();
    // What a process killed mid-call leaves behind: a counted call and its lease, never released.
    const data = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    await data.getRepository(RateLimitLeaseEntity).insert({ callId: 'dead-call', limitKey: 'u:alice', owner: 'dead-process', expiresAt: app.get(Clock).now().getTime() + 200 });
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
    await start({ defaultUserRateLimit: { rpm: 100 }, redisUrl: 'redis://:s3cret-pass@127.0.0.1:1/0', redisKeyPrefix: 'llm-mgr-test:down:' });
    await llm().setRateLimit({ userId: 'free' });
    const error = (await (await llm().getUserLlm('alice')).invoke('hi').catch((e: unknown) => e)) as LlmManagerError;
    expect(error).toMatchObject({ code: 'RATE_LIMITER_UNAVAILABLE', details: { retryAfterSeconds: 5 } });
    expect(error.message).not.toContain('s3cret');
    expect(upstream.chatRequests).toHaveLength(0);
    await expect((await llm().getUserLlm('free')).invoke('hi')).resolves.toBeDefined();
  });
});
