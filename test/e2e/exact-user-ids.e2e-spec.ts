import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, HttpApp } from './http-app';

const BOB_KEY = 'sk-bob-own-key-000011112222aaaa';
/**
 * Ids equal to `bob` under a case- or accent-insensitive collation (MariaDB's default was both). Trailing spaces are
 * checked in schema.spec.ts: an HTTP header value loses them on the way.
 */
const LOOKALIKES = ['BOB', 'Bob', 'böb', 'bôb'];

interface Platform {
  id: number;
  name: string;
  models: { id: number; displayName: string }[];
}
interface Slot {
  usage_key: string;
  platform_id: number | null;
  model_id: number | null;
}

describe('user ids, names and keys compare exactly on every engine (no case, accent or pad folding)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;
  let fake: Platform;
  let bobsPlatform: Platform;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: BOB_KEY });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY } });
    fake = ((await http.get('/api/ai/user/platforms', 'bob')).body as Platform[]).find((p) => p.name === 'Fake')!;
    expect((await http.post('/api/ai/user/api-key', 'bob', { platformId: fake.id, apiKey: BOB_KEY })).status).toBe(200);
    const created = await http.post('/api/ai/user/platforms', 'bob', {
      name: 'Bobs',
      baseUrl: upstream.url,
      models: [{ displayName: 'c', modelName: 'fake-chat' }],
    });
    expect(created.status).toBe(201);
    bobsPlatform = created.body as Platform;
    const spare = ((await http.get('/api/ai/user/platforms', 'bob')).body as Platform[]).find((p) => p.name === 'Spare')!;
    const rebind = { usage_key: 'fast', platform_id: spare.id, model_id: spare.models[0]!.id };
    expect((await http.post('/api/ai/user-selection', 'bob', rebind)).status).toBeLessThan(300);
  });
  afterAll(async () => {
    expect(http.leaked([BOB_KEY, SYSTEM_KEY])).toEqual([]);
    await http.close();
    await upstream.close();
  });

  it.each(LOOKALIKES)("%p sees neither bob's key nor his private platform", async (other) => {
    expect((await http.get('/api/ai/user/api-keys', other)).body).toEqual([]);
    const names = ((await http.get('/api/ai/user/platforms', other)).body as Platform[]).map((p) => p.name);
    expect(names).not.toContain('Bobs');
  });

  it.each(LOOKALIKES)("%p cannot spend bob's key: the model test says the key is missing", async (other) => {
    const calls = upstream.chatRequests.length;
    const result = (await http.post('/api/ai/user/test-model', other, { platformId: fake.id, modelId: fake.models[0]!.id })).body as {
      ok: boolean;
      error?: string;
    };
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/API key/i);
    expect(upstream.chatRequests.length).toBe(calls);
  });

  it.each(LOOKALIKES)("%p cannot rename or delete bob's platform, nor delete his key", async (other) => {
    expectCleanError(await http.put(`/api/ai/user/platforms/${bobsPlatform.id}`, other, { name: 'Taken' }), 404);
    expectCleanError(await http.delete(`/api/ai/user/platforms/${bobsPlatform.id}`, other), 404);
    expectCleanError(await http.delete(`/api/ai/user/api-key/${fake.id}`, other), 404, 'NOT_FOUND');
  });

  it.each(LOOKALIKES)("%p has slots of its own: bob's rebinding of 'fast' is not theirs", async (other) => {
    const fast = (await http.get('/api/ai/user-selection?usage_key=fast', other)).body as Slot;
    expect(fast).toMatchObject({ usage_key: 'fast', platform_id: fake.id });
  });

  it('bob still has everything, untouched', async () => {
    expect((await http.get('/api/ai/user/api-keys', 'bob')).body).toEqual([expect.objectContaining({ maskedKey: 'sk-…aaaa' })]);
    const mine = ((await http.get('/api/ai/user/platforms', 'bob')).body as Platform[]).find((p) => p.id === bobsPlatform.id);
    expect(mine?.name).toBe('Bobs');
    const fast = (await http.get('/api/ai/user-selection?usage_key=fast', 'bob')).body as Slot;
    expect(fast.platform_id).not.toBe(fake.id);
  });

  it('a private platform name that differs only by case or accent is a different name', async () => {
    expect((await http.post('/api/ai/user/platforms', 'bob', { name: 'BOBS', baseUrl: upstream.url })).status).toBe(201);
    expect((await http.post('/api/ai/user/platforms', 'bob', { name: 'Böbs', baseUrl: upstream.url })).status).toBe(201);
    const names = ((await http.get('/api/ai/user/platforms', 'bob')).body as Platform[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['Bobs', 'BOBS', 'Böbs']));
  });
});
