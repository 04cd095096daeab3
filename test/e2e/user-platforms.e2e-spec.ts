import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, HttpApp } from './http-app';

const PLATFORMS = '/api/ai/user/platforms';
const MODELS = '/api/ai/user/models';
const A = 'alice';
const B = 'bob';
const A_KEY = 'sk-alice-upstream-key-0000111122223333';
const B_KEY = 'sk-bob-other-key-4444555566667777';

interface Model {
  id: number;
  platformId: number;
  displayName: string;
  modelName: string;
  extraBody: Record<string, unknown> | null;
}
interface Platform {
  id: number;
  name: string;
  baseUrl: string;
  isSystem: boolean;
  keySource: string;
  maskedKey: string | null;
  models: Model[];
}

describe('user platform and model routes (M1.3): private to their owner, keys masked', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;
  let mine: Platform;

  beforeAll(async () => {
    // The fake accepts only Alice's key, so a successful test-model proves which key the server really holds.
    upstream = await startFakeUpstream({ apiKey: A_KEY });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY } });
  });
  afterAll(async () => {
    expect(http.leaked([A_KEY, B_KEY, SYSTEM_KEY])).toEqual([]);
    expect(http.store.dbBytes().includes(A_KEY)).toBe(false);
    await http.close();
    await upstream.close();
  });

  const testModel = async (as: string, platform: Platform): Promise<{ ok: boolean; status?: number }> =>
    (await http.post('/api/ai/user/test-model', as, { platformId: platform.id, modelId: platform.models[0]!.id })).body as {
      ok: boolean;
      status?: number;
    };

  it('refuses every route without an identity (401)', async () => {
    for (const response of [
      await http.get(PLATFORMS),
      await http.post(PLATFORMS, undefined, { name: 'x', baseUrl: upstream.url }),
      await http.put(`${PLATFORMS}/1`, undefined, { name: 'x' }),
      await http.delete(`${PLATFORMS}/1`),
      await http.post(`${PLATFORMS}/1/models`, undefined, { displayName: 'x', modelName: 'x' }),
      await http.put(`${MODELS}/1`, undefined, { displayName: 'x' }),
      await http.delete(`${MODELS}/1`),
    ]) {
      expectCleanError(response, 401, 'UNAUTHENTICATED');
    }
  });

  it("GET lists the system platforms; without a key of her own (auto key off) the system key is neither usable nor shown", async () => {
    const response = await http.get(PLATFORMS, A);
    expect(response.status).toBe(200);
    const [fake, spare] = response.body as Platform[];
    expect(fake).toMatchObject({ name: 'Fake', isSystem: true, keySource: 'env', maskedKey: null, usable: false });
    expect(spare).toMatchObject({ name: 'Spare', isSystem: true, keySource: 'none', maskedKey: null });
  });

  it('POST creates a private platform with its models (201), the key stored and shown masked', async () => {
    const response = await http.post(PLATFORMS, A, {
      name: 'Alice upstream',
      baseUrl: upstream.url,
      apiKey: A_KEY,
      models: [
        { displayName: 'chat', modelName: 'fake-chat', extraBody: { enable_thinking: false, nested: { a: [1, 2] } } },
        { displayName: 'broken', modelName: 'fake-error-500', inputPrice: 0.5, outputPrice: 1 },
      ],
    });
    expect(response.status).toBe(201);
    mine = response.body as Platform;
    expect(mine).toMatchObject({ name: 'Alice upstream', baseUrl: upstream.url, isSystem: false, keySource: 'encrypted', maskedKey: 'sk-…3333' });
    expect(mine.models.map((m) => [m.displayName, m.modelName])).toEqual([['chat', 'fake-chat'], ['broken', 'fake-error-500']]);
    expect(mine.models[0]!.extraBody).toEqual({ enable_thinking: false, nested: { a: [1, 2] } });
    expect(((await http.get(PLATFORMS, A)).body as Platform[]).map((p) => p.name)).toEqual(['Fake', 'Spare', 'Alice upstream']);
    expect(await testModel(A, mine)).toMatchObject({ ok: true });
  });

  it('POST refuses a second platform of the same name (409 NAME_CONFLICT)', async () => {
    expectCleanError(await http.post(PLATFORMS, A, { name: 'Alice upstream', baseUrl: upstream.url }), 409, 'NAME_CONFLICT');
  });

  it('PUT changes only what it is sent; the masked key sent back keeps the stored key', async () => {
    const renamed = await http.put(`${PLATFORMS}/${mine.id}`, A, { name: 'Alice renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Alice renamed', baseUrl: upstream.url, maskedKey: mine.maskedKey });

    const sameMask = await http.put(`${PLATFORMS}/${mine.id}`, A, { name: 'Alice upstream', apiKey: mine.maskedKey });
    expect(sameMask.body).toMatchObject({ keySource: 'encrypted', maskedKey: mine.maskedKey });
    expect(await testModel(A, mine)).toMatchObject({ ok: true });

    const replaced = await http.put(`${PLATFORMS}/${mine.id}`, A, { apiKey: B_KEY });
    expect(replaced.body).toMatchObject({ maskedKey: 'sk-…7777' });
    expect(await testModel(A, mine)).toMatchObject({ ok: false, status: 401 });

    const cleared = await http.put(`${PLATFORMS}/${mine.id}`, A, { apiKey: null });
    expect(cleared.body).toMatchObject({ keySource: 'none', maskedKey: null });
    expect((await http.put(`${PLATFORMS}/${mine.id}`, A, { apiKey: A_KEY })).body).toMatchObject({ maskedKey: 'sk-…3333' });
    expect(await testModel(A, mine)).toMatchObject({ ok: true });
  });

  it('models: add (201), edit partially, refuse duplicates, delete (204), then 404 MODEL_NOT_FOUND', async () => {
    const added = await http.post(`${PLATFORMS}/${mine.id}/models`, A, { displayName: 'reasoner', modelName: 'fake-reasoning' });
    expect(added.status).toBe(201);
    const model = added.body as Model;
    expect(model).toMatchObject({ platformId: mine.id, displayName: 'reasoner', modelName: 'fake-reasoning', extraBody: null });
    expectCleanError(await http.post(`${PLATFORMS}/${mine.id}/models`, A, { displayName: 'reasoner', modelName: 'x' }), 409, 'NAME_CONFLICT');

    const edited = await http.put(`${MODELS}/${model.id}`, A, { extraBody: { thinking_budget: 64 } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ displayName: 'reasoner', modelName: 'fake-reasoning', extraBody: { thinking_budget: 64 } });
    expect((await http.put(`${MODELS}/${model.id}`, A, { modelName: 'fake-chat', inputPrice: 2 })).body).toMatchObject({
      displayName: 'reasoner',
      modelName: 'fake-chat',
      inputPrice: 2,
      extraBody: { thinking_budget: 64 },
    });

    const removed = await http.delete(`${MODELS}/${model.id}`, A);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expectCleanError(await http.delete(`${MODELS}/${model.id}`, A), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await http.put(`${MODELS}/${model.id}`, A, { displayName: 'x' }), 404, 'MODEL_NOT_FOUND');
  });

  it('unknown ids are 404 with the domain code', async () => {
    expectCleanError(await http.put(`${PLATFORMS}/987654`, A, { name: 'x' }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.delete(`${PLATFORMS}/987654`, A), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.post(`${PLATFORMS}/987654/models`, A, { displayName: 'x', modelName: 'x' }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.put(`${MODELS}/987654`, A, { displayName: 'x' }), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await http.delete(`${MODELS}/987654`, A), 404, 'MODEL_NOT_FOUND');
  });

  it('system platforms and their models are not the user’s to change', async () => {
    const [fake] = (await http.get(PLATFORMS, A)).body as Platform[];
    expectCleanError(await http.put(`${PLATFORMS}/${fake!.id}`, A, { name: 'mine now' }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.delete(`${PLATFORMS}/${fake!.id}`, A), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.post(`${PLATFORMS}/${fake!.id}/models`, A, { displayName: 'x', modelName: 'x' }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.put(`${MODELS}/${fake!.models[0]!.id}`, A, { modelName: 'x' }), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await http.delete(`${MODELS}/${fake!.models[0]!.id}`, A), 404, 'MODEL_NOT_FOUND');
  });

  describe('between users', () => {
    it("B's listing never shows A's platforms, models or key", async () => {
      const text = (await http.get(PLATFORMS, B)).text;
      expect(text).not.toContain('Alice');
      expect(text).not.toContain(mine.maskedKey!);
      expect((JSON.parse(text) as Platform[]).map((p) => p.name)).toEqual(['Fake', 'Spare']);
    });

    it("B can neither change nor delete A's platform or models, and A's data stays as it was", async () => {
      const before = (await http.get(PLATFORMS, A)).text;
      expect(before).toContain('Alice upstream');
      const model = mine.models[0]!;
      expectCleanError(await http.put(`${PLATFORMS}/${mine.id}`, B, { name: 'taken', apiKey: B_KEY }), 404, 'PLATFORM_NOT_FOUND');
      expectCleanError(await http.delete(`${PLATFORMS}/${mine.id}`, B), 404, 'PLATFORM_NOT_FOUND');
      expectCleanError(await http.post(`${PLATFORMS}/${mine.id}/models`, B, { displayName: 'x', modelName: 'x' }), 404, 'PLATFORM_NOT_FOUND');
      expectCleanError(await http.put(`${MODELS}/${model.id}`, B, { modelName: 'x' }), 404, 'MODEL_NOT_FOUND');
      expectCleanError(await http.delete(`${MODELS}/${model.id}`, B), 404, 'MODEL_NOT_FOUND');
      expect((await http.get(PLATFORMS, A)).text).toBe(before);
    });

    it('B may use the same platform name: names are unique per owner', async () => {
      const response = await http.post(PLATFORMS, B, { name: 'Alice upstream', baseUrl: upstream.url, apiKey: B_KEY });
      expect(response.status).toBe(201);
      expect(((await http.get(PLATFORMS, A)).body as Platform[]).filter((p) => p.name === 'Alice upstream')).toHaveLength(1);
    });
  });

  it('DELETE removes the platform and its models (204); a second delete is 404', async () => {
    const response = await http.delete(`${PLATFORMS}/${mine.id}`, A);
    expect(response.status).toBe(204);
    expect(((await http.get(PLATFORMS, A)).body as Platform[]).map((p) => p.name)).toEqual(['Fake', 'Spare']);
    expectCleanError(await http.delete(`${PLATFORMS}/${mine.id}`, A), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await http.put(`${MODELS}/${mine.models[0]!.id}`, A, { modelName: 'x' }), 404, 'MODEL_NOT_FOUND');
  });
});

describe('user platform routes in fixed-platform mode (M1.2)', () => {
  let http: HttpApp;

  beforeAll(async () => {
    http = await HttpApp.start(undefined, { useSysLlmConfig: true });
  });
  afterAll(async () => {
    await http.close();
  });

  it('lists the system platforms but refuses every change with 403 FORBIDDEN_IN_FIXED_MODE', async () => {
    const platforms = (await http.get(PLATFORMS, A)).body as Platform[];
    expect(platforms.every((p) => p.isSystem)).toBe(true);
    const [first] = platforms;
    for (const response of [
      await http.post(PLATFORMS, A, { name: 'Mine', baseUrl: 'https://api.example.com/v1' }),
      await http.put(`${PLATFORMS}/${first!.id}`, A, { name: 'x' }),
      await http.delete(`${PLATFORMS}/${first!.id}`, A),
      await http.post(`${PLATFORMS}/${first!.id}/models`, A, { displayName: 'x', modelName: 'x' }),
      await http.put(`${MODELS}/${first!.models[0]!.id}`, A, { modelName: 'x' }),
      await http.delete(`${MODELS}/${first!.models[0]!.id}`, A),
    ]) {
      expectCleanError(response, 403, 'FORBIDDEN_IN_FIXED_MODE');
    }
  });
});
