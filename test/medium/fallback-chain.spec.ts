import { UpstreamCallError } from '../../src/llm-manager/builder/upstream-call-error';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { caught, streamedText } from '../support/failure';
import { useTrackedModels } from '../support/tracked-models';
import { upstreamYaml } from '../support/upstream-yaml';

/** The fake's YAML plus a system slot `resilient` on the broken model, falling back to `chat` then `thinking`. */
function yamlWithChain(url: string): string {
  return `${upstreamYaml(url)}  resilient:
    platform: Fake
    model: broken
    fallbacks:
      - { platform: Fake, model: chat }
      - { platform: Fake, model: thinking }
`;
}

/** Issue 18: a slot's fallback chain is tried on 429, 5xx, timeout or connection error before the first chunk, never after. */
describe('fallback chains per slot', () => {
  const models = useTrackedModels(yamlWithChain);

  // Users call the system platform with its key.
  beforeEach(() => models.restart({ autoKey: true }));

  /** Ids of the Fake models by display name. */
  async function fakeModels(): Promise<Record<string, { platformId: number; modelId: number }>> {
    const fake = (await models.manager.listPlatforms(SYSTEM_USER_ID)).find((p) => p.name === 'Fake')!;
    return Object.fromEntries(fake.models.map((m) => [m.displayName, { platformId: fake.id, modelId: m.id }]));
  }

  it('YAML fallbacks: the system slot shows its chain, a user copies it, and a 500 falls through to the next model', async () => {
    const system = await models.manager.getUserSelection(SYSTEM_USER_ID, 'resilient');
    expect(system.fallbacks.map((f) => [f.platform_name, f.model_display_name])).toEqual([
      ['Fake', 'chat'],
      ['Fake', 'thinking'],
    ]);
    expect((await models.manager.getUserSelection('bob', 'resilient')).fallbacks).toEqual(system.fallbacks);

    const llm = await models.manager.getUserLlm('bob', { usageKey: 'resilient' });
    const answer = await llm.invoke('hi');
    expect(answer.content).toBe('Echo: hi');
    expect(models.upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-error-500', 'fake-chat']);
    const rows = await models.rows();
    const ids = await fakeModels();
    expect(rows.map((r) => [r.userId, r.modelId, r.success, r.attempt, r.fallbackFrom])).toEqual([
      ['bob', ids.broken.modelId, false, 1, null],
      ['bob', ids.chat.modelId, true, 2, rows[0]!.callId],
    ]);
  });

  it('a streamed 429 before the first chunk falls back; the whole chain failing surfaces the last error', async () => {
    const ids = await fakeModels();
    await models.manager.createUserUsageSlot('carol', 'mine', { ...ids.chat, fallbacks: [ids.thinking, ids.cut] });
    models.upstream.scriptModel('fake-chat', { error: { status: 429, retryAfterSeconds: 1 } });
    const llm = await models.manager.getUserLlm('carol', { usageKey: 'mine' });
    expect(await streamedText(await llm.stream('hi'))).toBe('Echo: hi');
    expect(models.upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-reasoning']);

    models.upstream.scriptModel('fake-reasoning', { error: { status: 503 } });
    models.upstream.scriptModel('fake-disconnect-2', { error: { status: 502 } });
    const error = await caught(() => llm.invoke('again'));
    expect(error).toBeInstanceOf(UpstreamCallError);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', status: 502 });
    expect(models.upstream.chatRequests.slice(2).map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-reasoning', 'fake-disconnect-2']);
    expect((await models.rows()).map((r) => r.success)).toEqual([false, true, false, false, false]);
  });

  it('after the first streamed chunk nothing switches: the cut stream surfaces its error', async () => {
    const ids = await fakeModels();
    await models.manager.createUserUsageSlot('dave', 'cut', { ...ids.cut, fallbacks: [ids.chat] });
    const llm = await models.manager.getUserLlm('dave', { usageKey: 'cut' });
    const error = await caught(async () => streamedText(await llm.stream('hello there')));
    expect(error).toBeInstanceOf(LlmManagerError);
    expect(models.upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-disconnect-2']);
    expect(await models.rows()).toHaveLength(1);
  });

  it('a rejected key or a 400 does not fall back: the same request would fail on any model', async () => {
    const ids = await fakeModels();
    await models.manager.createUserUsageSlot('erin', 'mine', { ...ids.chat, fallbacks: [ids.thinking] });
    const llm = await models.manager.getUserLlm('erin', { usageKey: 'mine' });
    for (const status of [401, 400]) {
      models.upstream.scriptModel('fake-chat', { error: { status } });
      expect(await caught(() => llm.invoke('hi'))).toMatchObject({ status });
    }
    expect(models.upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-chat']);
  });

  it('a timeout falls back', async () => {
    await models.restart({ autoKey: true, requestTimeoutMs: 400 });
    const ids = await fakeModels();
    await models.manager.createUserUsageSlot('fay', 'mine', { ...ids.chat, fallbacks: [ids.thinking] });
    models.upstream.scriptModel('fake-chat', { firstByteDelayMs: 2_000 });
    const llm = await models.manager.getUserLlm('fay', { usageKey: 'mine' });
    expect((await llm.invoke('hi')).content).toBe('Echo: hi');
    const rows = await models.rows();
    expect(rows.map((r) => [r.modelId, r.success])).toEqual([
      [ids.chat.modelId, false],
      [ids.thinking.modelId, true],
    ]);
  });

  it('deleting a model of the chain drops the cached model: the next getUserLlm() goes without it', async () => {
    const ids = await fakeModels();
    const own = await models.manager.addPlatform('ivy', { name: 'Own', baseUrl: 'https://own.example/v1', apiKey: 'sk-ivy-000011112222' }, [
      { displayName: 'own-a', modelName: 'a' },
      { displayName: 'own-b', modelName: 'b' },
    ]);
    const [a, b] = own.models.map((m) => ({ platformId: own.id, modelId: m.id }));
    await models.manager.createUserUsageSlot('ivy', 'mine', { ...ids.broken, fallbacks: [a!, b!] });
    const names = (llm: { chain: Array<{ modelDisplayName: string }> }): string[] => llm.chain.map((info) => info.modelDisplayName);
    expect(names(await models.manager.getUserLlm('ivy', { usageKey: 'mine' }))).toEqual(['broken', 'own-a', 'own-b']);
    await models.manager.deleteModel('ivy', a!.modelId);
    expect(names(await models.manager.getUserLlm('ivy', { usageKey: 'mine' }))).toEqual(['broken', 'own-b']);
  });

  it('a chain is checked like the binding, kept when an update omits it, cleared by []', async () => {
    const ids = await fakeModels();
    const own = await models.manager.addPlatform('gina', { name: 'Own', baseUrl: 'https://own.example/v1', apiKey: 'sk-gina-000011112222' }, [
      { displayName: 'own-chat', modelName: 'fake-chat' },
    ]);
    const foreign = { platformId: own.id, modelId: own.models[0].id };
    expect(await caught(() => models.manager.updateUserSelection('hal', 'fast', { ...ids.chat, fallbacks: [foreign] }))).toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });

    await models.manager.updateUserSelection('gina', 'fast', { ...ids.chat, fallbacks: [foreign, ids.thinking] });
    await models.manager.updateUserSelection('gina', 'fast', ids.broken);
    const kept = await models.manager.getUserSelection('gina', 'fast');
    expect([kept.model_display_name, kept.fallbacks.map((f) => f.model_display_name)]).toEqual(['broken', ['own-chat', 'thinking']]);
    const cleared = await models.manager.updateUserSelection('gina', 'fast', { ...ids.chat, fallbacks: [] });
    expect(cleared.fallbacks).toEqual([]);
  });
});
