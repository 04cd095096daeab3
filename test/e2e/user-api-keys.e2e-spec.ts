import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, expectValidationError, HttpApp } from './http-app';

const KEYS = '/api/ai/user/api-keys';
const KEY = '/api/ai/user/api-key';
const A = 'alice';
const B = 'bob';
const A_KEY = 'sk-alice-own-key-0000111122223333';
const A_KEY_2 = 'sk-alice-new-key-9999888877776666';
const B_KEY = 'sk-bob-wrong-key-4444555566667777';

interface KeyView {
  platformId: number;
  platformName: string;
  maskedKey: string | null;
  updatedAt: string;
}
interface Platform {
  id: number;
  name: string;
  models: { id: number; displayName: string }[];
}

describe("user API keys for system platforms (M1.2, M5): the caller's own, encrypted, masked", () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;
  let fake: Platform;

  beforeAll(async () => {
    // The fake accepts Alice's keys only; the system key is some other value, and LLM_AUTO_KEY is off.
    upstream = await startFakeUpstream({ apiKey: A_KEY });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY } });
    fake = ((await http.get('/api/ai/user/platforms', A)).body as Platform[]).find((p) => p.name === 'Fake')!;
  });
  afterAll(async () => {
    expect(http.leaked([A_KEY, A_KEY_2, B_KEY, SYSTEM_KEY])).toEqual([]);
    const db = http.store.dbBytes();
    expect([A_KEY, A_KEY_2, B_KEY].filter((key) => db.includes(key))).toEqual([]);
    await http.close();
    await upstream.close();
  });

  const keysOf = async (user: string): Promise<KeyView[]> => (await http.get(KEYS, user)).body as KeyView[];
  const testChat = async (user: string): Promise<{ ok: boolean; status?: number; error?: string }> =>
    (await http.post('/api/ai/user/test-model', user, { platformId: fake.id, modelId: fake.models[0]!.id })).body as {
      ok: boolean;
      status?: number;
    };

  it('refuses every route without an identity (401)', async () => {
    expectCleanError(await http.get(KEYS), 401, 'UNAUTHENTICATED');
    expectCleanError(await http.post(KEY, undefined, { platformId: fake.id, apiKey: A_KEY }), 401, 'UNAUTHENTICATED');
    expectCleanError(await http.delete(`${KEY}/${fake.id}`), 401, 'UNAUTHENTICATED');
  });

  it('without a key of her own (and no auto key) a test says what is missing', async () => {
    expect(await keysOf(A)).toEqual([]);
    const result = await testChat(A);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/api-key|API key/i);
  });

  it('POST stores the key (200), shown masked; the model then runs on it', async () => {
    const response = await http.post(KEY, A, { platformId: fake.id, apiKey: A_KEY });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ platformId: fake.id, platformName: 'Fake', maskedKey: 'sk-…3333' });
    expect(Number.isNaN(Date.parse((response.body as KeyView).updatedAt))).toBe(false);
    expect(await keysOf(A)).toEqual([expect.objectContaining({ platformId: fake.id, maskedKey: 'sk-…3333' })]);
    expect(await testChat(A)).toMatchObject({ ok: true });
  });

  it('POST again replaces the key rather than adding one', async () => {
    await http.post(KEY, A, { platformId: fake.id, apiKey: A_KEY_2 });
    expect(await keysOf(A)).toEqual([expect.objectContaining({ platformId: fake.id, maskedKey: 'sk-…6666' })]);
    expect(await testChat(A)).toMatchObject({ ok: false, status: 401 });
    await http.post(KEY, A, { platformId: fake.id, apiKey: A_KEY });
  });

  it('keys are for system platforms only: unknown or private platforms are 404 PLATFORM_NOT_FOUND', async () => {
    expectCleanError(await http.post(KEY, A, { platformId: 987_654, apiKey: A_KEY }), 404, 'PLATFORM_NOT_FOUND');
    const own = await http.post('/api/ai/user/platforms', A, { name: 'Own', baseUrl: upstream.url, models: [{ displayName: 'c', modelName: 'fake-chat' }] });
    expectCleanError(await http.post(KEY, A, { platformId: (own.body as Platform).id, apiKey: A_KEY }), 404, 'PLATFORM_NOT_FOUND');
  });

  it.each([
    ['platformId missing', { apiKey: A_KEY }, 'platformId'],
    ['platformId as a string', { platformId: '1', apiKey: A_KEY }, 'platformId'],
    ['platformId zero', { platformId: 0, apiKey: A_KEY }, 'platformId'],
    ['apiKey missing', { platformId: 1 }, 'apiKey'],
    ['apiKey empty', { platformId: 1, apiKey: '' }, 'apiKey'],
    ['apiKey as a number', { platformId: 1, apiKey: 1234 }, 'apiKey'],
    ['apiKey of 501 characters', { platformId: 1, apiKey: `sk-${'k'.repeat(498)}` }, 'apiKey'],
    ['snake_case fields', { platform_id: 1, api_key: A_KEY }, 'platform_id'],
    ['an unknown field', { platformId: 1, apiKey: A_KEY, userId: B }, 'userId'],
  ])('POST refuses %s (400 VALIDATION_FAILED)', async (_name, body, field) => {
    expectValidationError(await http.post(KEY, A, body), field);
  });

  it('a key made only of spaces is refused by the service (400), and nothing is stored', async () => {
    expectValidationError(await http.post(KEY, B, { platformId: fake.id, apiKey: '   ' }), 'apiKey');
    expect(await keysOf(B)).toEqual([]);
  });

  describe('between users', () => {
    it("B's listing never shows A's key, and B cannot delete it", async () => {
      expect(await keysOf(B)).toEqual([]);
      expectCleanError(await http.delete(`${KEY}/${fake.id}`, B), 404, 'NOT_FOUND');
      expect(await keysOf(A)).toEqual([expect.objectContaining({ maskedKey: 'sk-…3333' })]);
      expect(await testChat(A)).toMatchObject({ ok: true });
    });

    it("B's own key for the same platform is B's alone: A's key and calls are untouched", async () => {
      await http.post(KEY, B, { platformId: fake.id, apiKey: B_KEY });
      expect(await keysOf(B)).toEqual([expect.objectContaining({ maskedKey: 'sk-…7777' })]);
      expect(await keysOf(A)).toEqual([expect.objectContaining({ maskedKey: 'sk-…3333' })]);
      expect(await testChat(B)).toMatchObject({ ok: false, status: 401 });
      expect(await testChat(A)).toMatchObject({ ok: true });
      const bearer = upstream.chatRequests.map((r) => r.headers.authorization);
      expect(bearer.slice(-2)).toEqual([`Bearer ${B_KEY}`, `Bearer ${A_KEY}`]);
    });
  });

  it('DELETE removes the key (204); a second delete is 404 NOT_FOUND', async () => {
    const response = await http.delete(`${KEY}/${fake.id}`, A);
    expect(response.status).toBe(204);
    expect(await keysOf(A)).toEqual([]);
    expect(await keysOf(B)).toHaveLength(1);
    expectCleanError(await http.delete(`${KEY}/${fake.id}`, A), 404, 'NOT_FOUND');
    expectCleanError(await http.delete(`${KEY}/987654`, A), 404, 'NOT_FOUND');
  });
});

describe('user API keys in fixed-platform mode (M1.2)', () => {
  let http: HttpApp;

  beforeAll(async () => {
    http = await HttpApp.start(undefined, { useSysLlmConfig: true });
  });
  afterAll(async () => {
    expect(http.leaked([A_KEY])).toEqual([]);
    await http.close();
  });

  it('still lets a user store, list and delete a key of their own', async () => {
    const [first] = (await http.get('/api/ai/user/platforms', A)).body as Platform[];
    expect((await http.post(KEY, A, { platformId: first!.id, apiKey: A_KEY })).status).toBe(200);
    expect((await http.get(KEYS, A)).body).toEqual([expect.objectContaining({ platformId: first!.id, maskedKey: 'sk-…3333' })]);
    expect((await http.delete(`${KEY}/${first!.id}`, A)).status).toBe(204);
  });
});
