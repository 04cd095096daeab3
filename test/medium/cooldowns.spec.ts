import { HealthService } from '../../src/app/health/health.service';
import { SystemPlatformService } from '../../src/llm-manager/admin/system-platform.service';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { baseTokenCount } from '../../src/llm-manager/usage/token-base-encoding';
import { startInstance, ManualClock, yamlWithChain, type CooldownInstance } from '../support/cooldown-instances';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { caught, streamedText } from '../support/failure';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY } from '../support/upstream-yaml';


/**
 * Issue 18, cooldowns: a platform + key failing `allowedFails` times within the window (429, 5xx, timeout,
 * unreachable) is skipped by every instance on the database for a while; a success resets it.
 */
describe('cooldowns of platform keys', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let clock: ManualClock;
  const started: CooldownInstance[] = [];

  async function instance(cooldown: { allowedFails?: number; cooldownMs?: number; maxCooldownMs?: number } = {}): Promise<CooldownInstance> {
    const app = await startInstance(store, clock, { cooldown: { allowedFails: 2, cooldownMs: 10_000, maxCooldownMs: 30_000, ...cooldown } });
    started.push(app);
    return app;
  }

  /** The ids of a system platform's models by display name. */
  async function ids(app: CooldownInstance, platform: string): Promise<Record<string, { platformId: number; modelId: number }>> {
    const found = (await app.manager.listPlatforms(SYSTEM_USER_ID)).find((p) => p.name === platform)!;
    return Object.fromEntries(found.models.map((m) => [m.displayName, { platformId: found.id, modelId: m.id }]));
  }

  const sentModels = (): string[] => upstream.chatRequests.map((r) => String(r.body?.model));

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    // The tokenizer loads on first use (~300 ms); a test run alone would otherwise load it after its app closed.
    baseTokenCount('warm up');
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    store = new TempStore(yamlWithChain(upstream.url));
    clock = new ManualClock();
  });
  afterEach(async () => {
    for (const app of started.splice(0)) await app.close();
    store.remove();
    upstream.reset();
  });

  it('two 500s cool the key down: the chain skips it (invoke and stream), says so in the log, and tries it again later', async () => {
    const app = await instance();
    const llm = await app.manager.getUserLlm('bob', { usageKey: 'resilient' });
    for (let call = 0; call < 2; call++) expect((await llm.invoke('hi')).content).toBe('Echo: hi');
    expect(sentModels()).toEqual(['fake-error-500', 'fake-chat', 'fake-error-500', 'fake-chat']);
    const fake = (await ids(app, 'Fake')).broken!.platformId;
    const cooledAt = clock.now().getTime();
    expect((await app.rows()).map((r) => [r.platformId, r.failures, r.coolingUntilMs, r.reason])).toEqual([
      [fake, 0, cooledAt + 10_000, 'UPSTREAM_ERROR 500'],
    ]);

    upstream.reset();
    expect((await llm.invoke('again')).content).toBe('Echo: again');
    expect(await streamedText(await llm.stream('streamed'))).toBe('Echo: streamed');
    for (let call = 0; call < 5; call++) await llm.invoke('more');
    expect(sentModels()).toEqual(['fake-chat', 'fake-chat', 'fake-chat', 'fake-chat', 'fake-chat', 'fake-chat', 'fake-chat']);
    // One warning per cooldown, not one per call skipping it.
    const skips = app.logs.lines.filter((line) => line.startsWith('Skipped Fake/broken'));
    expect(skips).toHaveLength(1);
    expect(skips[0]).toContain(`cooling down until ${new Date(cooledAt + 10_000).toISOString()} (UPSTREAM_ERROR 500)`);
    expect(app.logs.lines.join('\n')).not.toContain(SYSTEM_KEY);

    // Over: tried again; two more failures cool it down twice as long (and never past maxCooldownMs).
    clock.advance(10_000);
    upstream.reset();
    for (let call = 0; call < 2; call++) await llm.invoke('hi');
    expect(sentModels()).toEqual(['fake-error-500', 'fake-chat', 'fake-error-500', 'fake-chat']);
    expect((await app.rows())[0]!.coolingUntilMs).toBe(clock.now().getTime() + 20_000);
    clock.advance(20_000);
    for (let call = 0; call < 2; call++) await llm.invoke('hi');
    expect((await app.rows())[0]!.coolingUntilMs).toBe(clock.now().getTime() + 30_000);
  });

  it('a success resets the count: fail, succeed, fail is no cooldown', async () => {
    const app = await instance();
    const llm = await app.manager.getUserLlm('carol', { usageKey: 'main' });
    upstream.enqueue({ error: { status: 503 } });
    expect(await caught(() => llm.invoke('a'))).toMatchObject({ code: 'UPSTREAM_ERROR', status: 503 });
    expect((await app.rows()).map((r) => r.failures)).toEqual([1]);
    expect((await llm.invoke('b')).content).toBe('Echo: b');
    expect(await app.rows()).toEqual([]);
    upstream.enqueue({ error: { status: 503 } });
    await caught(() => llm.invoke('c'));
    expect((await app.rows()).map((r) => [r.failures, r.coolingUntilMs])).toEqual([[1, 0]]);
    expect(await app.cooldowns.cooling()).toEqual([]);
  });

  it('a 429 cools down for at least its Retry-After; a rejected key or a 400 is not counted', async () => {
    const app = await instance({ allowedFails: 1, cooldownMs: 1_000 });
    const llm = await app.manager.getUserLlm('dave', { usageKey: 'main' });
    for (const status of [401, 400, 404]) {
      upstream.enqueue({ error: { status } });
      expect(await caught(() => llm.invoke('x'))).toMatchObject({ status });
    }
    expect(await app.rows()).toEqual([]);
    upstream.enqueue({ error: { status: 429, retryAfterSeconds: 30 } });
    expect(await caught(() => llm.invoke('x'))).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect((await app.rows()).map((r) => [r.coolingUntilMs, r.reason])).toEqual([[clock.now().getTime() + 30_000, 'UPSTREAM_RATE_LIMITED 429']]);
  });

  it('a slot without a chain still calls its cooling model; when every model cools down, the one ending first is tried', async () => {
    const app = await instance({ allowedFails: 1 });
    const fake = await ids(app, 'Fake');
    const spare = await ids(app, 'Spare');
    await app.manager.createUserUsageSlot('erin', 'mine', { ...fake.chat!, fallbacks: [spare['spare-chat']!] });
    const llm = await app.manager.getUserLlm('erin', { usageKey: 'mine' });
    upstream.enqueue({ error: { status: 500 } });
    expect((await llm.invoke('one')).content).toBe('Echo: one');
    await app.cooldowns.idle();
    clock.advance(1_000);
    upstream.enqueue({ error: { status: 502 } });
    expect(await caught(() => llm.invoke('two'))).toMatchObject({ status: 502 });
    expect((await app.cooldowns.cooling()).map((s) => s.platformId).sort()).toEqual([fake.chat!.platformId, spare['spare-chat']!.platformId].sort());

    upstream.reset();
    expect((await llm.invoke('three')).content).toBe('Echo: three');
    // Fake cools until +10 s, Spare until +11 s: Fake alone is tried, and answering clears it.
    expect(upstream.chatRequests.map((r) => r.headers['authorization'])).toEqual([`Bearer ${SYSTEM_KEY}`]);
    expect((await app.cooldowns.cooling()).map((s) => s.platformId)).toEqual([spare['spare-chat']!.platformId]);

    const single = await app.manager.getUserLlm('erin', { usageKey: 'main' });
    upstream.enqueue({ error: { status: 500 } });
    await caught(() => single.invoke('x'));
    upstream.reset();
    expect((await single.invoke('still tried')).content).toBe('Echo: still tried');
  });

  it('shared: what one instance counts, another on the same database skips once its snapshot is a second old', async () => {
    const a = await instance();
    const b = await instance();
    const onA = await a.manager.getUserLlm('fay', { usageKey: 'resilient' });
    const onB = await b.manager.getUserLlm('fay', { usageKey: 'resilient' });
    expect((await onB.invoke('warm')).content).toBe('Echo: warm');
    await onA.invoke('1');
    await a.cooldowns.idle();
    await onB.invoke('2');
    await b.cooldowns.idle();
    expect(sentModels().filter((m) => m === 'fake-error-500')).toHaveLength(3);

    // B counted the second failure: it cooled the key down for both.
    upstream.reset();
    clock.advance(1_000);
    await onA.invoke('3');
    await onB.invoke('4');
    expect(sentModels()).toEqual(['fake-chat', 'fake-chat']);
    // Nest's logger is one per process: the lines of both instances land in the last one's.
    expect(b.logs.lines.filter((line) => line.startsWith('Skipped Fake/broken'))).toHaveLength(2);
  });

  it('atomic: failures counted at once by two instances all count', async () => {
    const a = await instance({ allowedFails: 1000 });
    const b = await instance({ allowedFails: 1000 });
    const candidate = { ...a.cooldowns.refFor(7, 'sk-some-key-000011112222'), platformName: 'P', modelName: 'm' };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).cooldowns.recordFailure(candidate, 'UPSTREAM_TIMEOUT', 0)));
    expect((await a.rows()).map((r) => [r.platformId, r.keyId, r.failures])).toEqual([[7, candidate.keyId, 20]]);
    expect(candidate.keyId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('readers: platform and slot views say until when, /health lists the system platform without a key, self-repair prefers one not cooling', async () => {
    const app = await instance({ allowedFails: 1 });
    const fake = (await ids(app, 'Fake')).chat!;
    await app.manager.setUserPlatformKey('hana', fake.platformId, 'sk-hana-own-key-000011112222');
    upstream.enqueue({ error: { status: 503 } });
    await caught(async () => (await app.manager.getUserLlm('gus', { usageKey: 'main' })).invoke('x'));
    const until = new Date(clock.now().getTime() + 10_000).toISOString();

    // The system key cools down: as the admin and gus (LLM_AUTO_KEY) see it; hana's own key does not.
    const fakeAs = async (userId: string): Promise<unknown> => (await app.manager.listPlatforms(userId)).find((p) => p.name === 'Fake');
    expect(await fakeAs(SYSTEM_USER_ID)).toMatchObject({ usable: true, coolingUntil: until });
    expect(await fakeAs('gus')).toMatchObject({ usable: true, coolingUntil: until });
    expect(await fakeAs('hana')).toMatchObject({ usable: true, coolingUntil: null });
    expect((await app.manager.listPlatforms('gus')).find((p) => p.name === 'Spare')).toMatchObject({ coolingUntil: null });
    expect((await app.manager.getUserSelection('gus', 'main')).cooling_until).toBe(until);
    expect((await app.manager.getUserSelection('hana', 'main')).cooling_until).toBeNull();

    const health = await new HealthService(app.moduleRef.get(LLM_MGR_DATA_SOURCE_TOKEN), app.moduleRef.get(SystemPlatformService), app.cooldowns).check();
    expect(health.coolingPlatforms).toEqual([{ platform: 'Fake', keys: 1, coolingUntil: until, reason: 'UPSTREAM_ERROR 503' }]);
    expect(JSON.stringify(health)).not.toContain(SYSTEM_KEY);

    // ivy's main points at a platform she then deletes: repaired to Spare (answering), not to the cooling system binding.
    const spare = (await ids(app, 'Spare'))['spare-chat']!;
    await app.moduleRef.get(SystemPlatformService).markAnswering(spare.platformId);
    const own = await app.manager.addPlatform('ivy', { name: 'Own', baseUrl: 'https://own.example/v1', apiKey: 'sk-ivy-000011112222' }, [
      { displayName: 'own-a', modelName: 'a' },
    ]);
    await app.manager.updateUserSelection('ivy', 'main', { platformId: own.id, modelId: own.models[0]!.id });
    await app.manager.deletePlatform('ivy', own.id);
    expect((await app.manager.getUserSelection('ivy', 'main')).platform_name).toBe('Spare');
    clock.advance(10_000);
    expect((await app.manager.getUserSelection('gus', 'main')).cooling_until).toBeNull();
    expect(await fakeAs(SYSTEM_USER_ID)).toMatchObject({ coolingUntil: null });
  });
});
