import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { ModelEntity } from '../../src/llm-manager/database/model.entity';
import { UserSelectionEntity } from '../../src/llm-manager/database/user-selection.entity';
import { LlmBuilderService } from '../../src/llm-manager/builder/llm-builder.service';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { failureOf } from '../support/failure';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

describe('getUserLlm: modes, keys, slots, self-repair, cache', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());

  async function start(options: LlmManagerOptions = {}): Promise<void> {
    store = new TempStore(upstreamYaml(upstream.url));
    moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, ...options });
    manager = moduleRef.get(LlmManagerService);
  }
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
    upstream.reset();
  });

  const lastAuthorization = (): string | undefined => upstream.chatRequests.at(-1)?.authorization;

  it('system user (no id or "-1") gets the system binding with the system key', async () => {
    await start();
    const llm = await manager.getUserLlm();
    expect(llm.info).toMatchObject({ userId: '-1', usageKey: 'main', platformName: 'Fake', modelDisplayName: 'chat' });
    await llm.invoke('hello');
    expect(lastAuthorization()).toBe(`Bearer ${SYSTEM_KEY}`);
    expect(await manager.getUserLlm('-1')).toBe(llm);
  });

  it('keeps at most modelCacheSize models, dropping the least recently used (agent names included)', async () => {
    await start({ autoKey: true, modelCacheSize: 3 });
    const builder = moduleRef.get(LlmBuilderService);
    const first = await manager.getUserLlm('u1');
    const second = await manager.getUserLlm('u2');
    await manager.getUserLlm('u1', { agentName: 'agent-a' });
    expect(await manager.getUserLlm('u1')).toBe(first); // used again: now the most recent
    for (let i = 0; i < 50; i += 1) await manager.getUserLlm('u3', { agentName: `agent-${i}` });
    expect(builder.cachedModels).toBe(3);
    expect(await manager.getUserLlm('u2')).not.toBe(second); // evicted, built again
    const rebuilt = await manager.getUserLlm('u2');
    await rebuilt.invoke('still tracked after a rebuild');
    expect(await rebuilt.getUsageTotal()).toMatchObject({ requests: 1 });
  });

  it('a user needs an own key for a system platform unless LLM_AUTO_KEY is on', async () => {
    await start();
    const error = await failureOf(manager.getUserLlm('alice'));
    expect(error.code).toBe('API_KEY_MISSING');
    expect(error.message).toContain("platform 'Fake'");
    expect(error.message).toMatch(/LLM_AUTO_KEY/);

    const fake = (await manager.listPlatforms('alice')).find((p) => p.name === 'Fake')!;
    await manager.setUserPlatformKey('alice', fake.id, 'sk-alice-own-key-12345678');
    await (await manager.getUserLlm('alice')).invoke('hi');
    expect(lastAuthorization()).toBe('Bearer sk-alice-own-key-12345678');
  });

  it('with autoKey the system key backs users who have none; their own key still wins', async () => {
    await start({ autoKey: true });
    await (await manager.getUserLlm('bob', { usageKey: 'fast' })).invoke('hi');
    expect(lastAuthorization()).toBe(`Bearer ${SYSTEM_KEY}`);
    const fake = (await manager.listPlatforms('bob')).find((p) => p.name === 'Fake')!;
    await manager.setUserPlatformKey('bob', fake.id, 'sk-bob-own-key-87654321');
    await (await manager.getUserLlm('bob', { usageKey: 'fast' })).invoke('hi');
    expect(lastAuthorization()).toBe('Bearer sk-bob-own-key-87654321');
  });

  it('creates main/fast/reason from the system bindings on first use; custom slots; unknown slots listed', async () => {
    await start({ autoKey: true });
    const selection = await manager.getUserSelection('carol', 'reason');
    expect(selection).toMatchObject({ user_id: 'carol', usage_key: 'reason', platform_name: 'Fake', model_display_name: 'thinking' });
    expect(selection.usage_selections.map((s) => s.usage_key)).toEqual(['main', 'fast', 'reason']);

    const spare = (await manager.listPlatforms('carol')).find((p) => p.name === 'Spare')!;
    await manager.createUserUsageSlot('carol', 'summarize', { platformId: spare.id, modelId: spare.models[0].id });
    const llm = await manager.getUserLlm('carol', { usageKey: 'summarize', agentName: 'agent_muse' });
    expect(llm.info).toMatchObject({ platformName: 'Spare', agentName: 'agent_muse' });

    const error = await failureOf(manager.getUserLlm('carol', { usageKey: 'nope' }));
    expect(error.code).toBe('USAGE_SLOT_NOT_FOUND');
    expect(error.message).toContain('main, fast, reason, summarize');

    await manager.updateUserSelection('carol', 'fast', { platformId: spare.id, modelId: spare.models[0].id });
    expect((await manager.getUserLlm('carol', { usageKey: 'fast' })).info.platformName).toBe('Spare');
    const other = await failureOf(manager.updateUserSelection('carol', 'fast', { platformId: spare.id, modelId: 99999 }));
    expect(other.code).toBe('MODEL_NOT_FOUND');
  });

  it('extra_body reaches the upstream, and streams ask for usage', async () => {
    await start();
    const llm = await manager.getUserLlm(undefined, { usageKey: 'reason' });
    await llm.invoke('think');
    expect(upstream.chatRequests.at(-1)?.body).toMatchObject({ model: 'fake-reasoning', enable_thinking: true, thinking_budget: 256 });
    for await (const _chunk of await llm.stream('think again')) {
      // drain
    }
    expect(upstream.chatRequests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, enable_thinking: true });
  });

  it('refuses a stored extra_body that sets a reserved field, before any request leaves', async () => {
    await start();
    const models = moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(ModelEntity);
    // Written before the rule existed (or by a host itself): it would call another model while billing this one.
    await models.update({ modelName: 'fake-reasoning' }, { extraBody: { model: 'other-model', enable_thinking: true } });
    const before = upstream.chatRequests.length;
    const refusal = await failureOf(manager.getUserLlm(undefined, { usageKey: 'reason' }));
    expect(refusal).toMatchObject({ code: 'CONFIG_INVALID', details: { reserved: ['model'] } });
    expect(refusal.message).toContain('remove "model" from extra_body');
    expect(upstream.chatRequests.length).toBe(before);
  });

  it('self-repairs a slot whose model was deleted, saves the repair, and falls back to a usable default', async () => {
    await start();
    const fake = (await manager.listPlatforms('-1')).find((p) => p.name === 'Fake')!;
    const first = await manager.getUserLlm('dave', { usageKey: 'reason' }).catch(() => null);
    expect(first).toBeNull(); // no key yet for Fake: a clear error, not a repair
    await manager.system.deleteModel(fake.models.find((m) => m.displayName === 'thinking')!.id);

    // The slot points at a deleted model; Fake needs a key dave lacks; Spare needs none but has never answered, so it
    // is not callable either: no re-binding to an endpoint nobody has seen answer (a fresh Ollama preset). The call
    // says which key is missing.
    await expect(manager.getUserLlm('dave', { usageKey: 'reason' })).rejects.toMatchObject({ code: 'API_KEY_MISSING' });
    const spare = (await manager.listPlatforms('-1')).find((p) => p.name === 'Spare')!;
    expect(spare).toMatchObject({ keySource: 'none', usable: false });

    // Once Spare has answered (a test or a probe succeeded, or the admin vouched for it), it is callable: frank's
    // slot is repaired to Spare.
    await manager.system.markAnswering(spare.id);
    expect((await manager.listPlatforms('-1')).find((p) => p.name === 'Spare')).toMatchObject({ usable: true, unusableReason: null });
    const repaired = await manager.getUserLlm('frank', { usageKey: 'reason' });
    expect(repaired.info).toMatchObject({ platformName: 'Spare', modelDisplayName: 'spare-chat' });
    const rows = await moduleRef
      .get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN)
      .getRepository(UserSelectionEntity)
      .findOneByOrFail({ userId: 'frank', usageKey: 'reason' });
    expect(rows.modelId).toBe(repaired.info.modelId);
  });

  it('repairs slots bound to a user platform once fixed mode hides it', async () => {
    // The user's platform is the local fake upstream: private addresses must be allowed for users here.
    await start({ autoKey: true, allowPrivateBaseUrls: true });
    const own = await manager.addPlatform('erin', { name: 'Mine', baseUrl: upstream.url }, [
      { displayName: 'mine', modelName: 'fake-chat' },
    ]);
    await manager.updateUserSelection('erin', 'main', { platformId: own.id, modelId: own.models[0].id });
    expect((await manager.getUserLlm('erin')).info.platformName).toBe('Mine');
    await moduleRef.close();

    moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true, useSysLlmConfig: true, allowPrivateBaseUrls: true });
    manager = moduleRef.get(LlmManagerService);
    expect((await manager.getUserLlm('erin')).info).toMatchObject({ platformName: 'Fake', modelDisplayName: 'chat' });
  });

  it('reuses built models until a write to their platform, model, key or slot', async () => {
    await start({ autoKey: true });
    const main = await manager.getUserLlm('frank');
    const fast = await manager.getUserLlm('frank', { usageKey: 'fast' });
    const sys = await manager.getSpecSysLlm('Fake', 'chat');
    expect(await manager.getUserLlm('frank')).toBe(main);
    expect(await manager.getSpecSysLlm('Fake', 'chat')).toBe(sys);

    const spare = (await manager.listPlatforms('frank')).find((p) => p.name === 'Spare')!;
    await manager.updateUserSelection('frank', 'fast', { platformId: spare.id, modelId: spare.models[0].id });
    expect(await manager.getUserLlm('frank')).toBe(main);
    expect(await manager.getUserLlm('frank', { usageKey: 'fast' })).not.toBe(fast);

    const fake = (await manager.listPlatforms('frank')).find((p) => p.name === 'Fake')!;
    await manager.system.update(fake.id, { baseUrl: `${upstream.url}/` });
    expect(await manager.getUserLlm('frank')).not.toBe(main);
    expect(await manager.getSpecSysLlm('Fake', 'chat')).not.toBe(sys);
    const unknown = await failureOf(manager.getSpecSysLlm('Fake', 'nope'));
    expect(unknown.code).toBe('MODEL_NOT_FOUND');
  });
});
