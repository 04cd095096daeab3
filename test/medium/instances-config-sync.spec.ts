import type { TestingModule } from '@nestjs/testing';
import { ApiTokensModule } from '../../src/llm-manager/api-tokens/api-tokens.module';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { ConfigChangeRelay } from '../../src/llm-manager/cluster/config-change-relay';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/**
 * Two instances of the module on one database, as two app processes would be (B7). Their relays are polled by hand
 * (`configSyncIntervalMs: 0`), so each step shows what an instance serves before and after it looks.
 */
describe('several instances on one database: configuration changes reach every instance', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let a: TestingModule;
  let b: TestingModule;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());

  beforeEach(async () => {
    store = new TempStore(upstreamYaml(upstream.url));
    const options = { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true, configSyncIntervalMs: 0 };
    a = await store.start(options, [ApiTokensModule]);
    b = await store.start(options, [ApiTokensModule]);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    store.remove();
    upstream.reset();
  });

  const manager = (instance: TestingModule): LlmManagerService => instance.get(LlmManagerService);
  /** `instance` looks at the counter, once `writer`'s bumps have landed (its timer would catch up a moment later). */
  const poll = async (instance: TestingModule, writer = instance === a ? b : a): Promise<void> => {
    await writer.get(ConfigChangeRelay).flush();
    await instance.get(ConfigChangeRelay).poll();
  };

  it('a platform edited through one instance is served by the other once it polls', async () => {
    const before = await manager(b).getUserLlm('carol');
    const fake = (await manager(a).listPlatforms('carol')).find((p) => p.name === 'Fake')!;
    await manager(a).system.update(fake.id, { baseUrl: `${upstream.url}/` });

    expect(await manager(b).getUserLlm('carol')).toBe(before);
    await poll(b);
    const after = await manager(b).getUserLlm('carol');
    expect(after).not.toBe(before);
    expect(after.info.platformName).toBe('Fake');
    // The writer's own bump is not a change from elsewhere: its fresh entries survive its own poll.
    const onA = await manager(a).getUserLlm('carol');
    await poll(a, a);
    expect(await manager(a).getUserLlm('carol')).toBe(onA);
  });

  it('a key replaced on one instance is the key the other sends', async () => {
    const fake = (await manager(a).listPlatforms('dave')).find((p) => p.name === 'Fake')!;
    await manager(a).setUserPlatformKey('dave', fake.id, 'sk-dave-first-key-00001111');
    await (await manager(b).getUserLlm('dave')).invoke('hi');
    expect(upstream.chatRequests.at(-1)?.authorization).toBe('Bearer sk-dave-first-key-00001111');

    await manager(a).setUserPlatformKey('dave', fake.id, 'sk-dave-second-key-2222333');
    await poll(b);
    await (await manager(b).getUserLlm('dave')).invoke('hi');
    expect(upstream.chatRequests.at(-1)?.authorization).toBe('Bearer sk-dave-second-key-2222333');
  });

  it('a model deleted on one instance is repaired on the other instead of being called', async () => {
    const before = await manager(b).getUserLlm('erin', { usageKey: 'fast' });
    const deleted = before.info.modelId;
    const platform = (await manager(a).listPlatforms('erin')).find((p) => p.models.some((m) => m.id === deleted))!;
    await manager(a).system.deleteModel(deleted);

    await poll(b);
    const after = await manager(b).getUserLlm('erin', { usageKey: 'fast' });
    expect(after.info.modelId).not.toBe(deleted);
  });

  it("a slot repaired on one instance after a deletion is not a change the other's caches pay for", async () => {
    const fake = (await manager(a).listPlatforms('hal')).find((p) => p.name === 'Fake')!;
    const thinking = fake.models.find((m) => m.displayName === 'thinking')!;
    await manager(a).system.deleteModel(thinking.id);
    await poll(b);
    const onB = await manager(b).getUserLlm('hal');
    // ivy's reason slot pointed at the deleted model: resolving it on A repairs and saves it.
    expect((await manager(a).getUserLlm('ivy', { usageKey: 'reason' })).info.modelId).not.toBe(thinking.id);
    await poll(b);
    expect(await manager(b).getUserLlm('hal')).toBe(onB);
  });

  it('changes written on both instances between two polls are each seen by the other', async () => {
    // Both cache a model on Fake, then both edit Spare: only the relay can tell either that its Fake model is stale.
    const onA = await manager(a).getUserLlm('frank');
    const onB = await manager(b).getUserLlm('frank');
    const spare = (await manager(a).listPlatforms('frank')).find((p) => p.name === 'Spare')!;
    await manager(a).system.update(spare.id, { baseUrl: `${upstream.url}/` });
    await a.get(ConfigChangeRelay).flush();
    // B's own bump lands on top of A's: B must not take the jump for its own.
    await manager(b).system.update(spare.id, { name: 'Spare B' });
    await poll(a);
    expect(await manager(a).getUserLlm('frank')).not.toBe(onA);
    expect(await manager(b).getUserLlm('frank')).not.toBe(onB);
  });

  it('a token revoked through one instance is refused by the other once it polls', async () => {
    const issued = await a.get(ApiTokenService).issue('gina', 'laptop');
    expect(await b.get(ApiTokenService).verify(issued.token)).toBe('gina');
    await a.get(ApiTokenService).revoke(issued.id);
    expect(await b.get(ApiTokenService).verify(issued.token)).toBe('gina'); // still cached: B has not looked yet
    await poll(b);
    expect(await b.get(ApiTokenService).verify(issued.token)).toBeNull();
  });
});
