import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, expectValidationError, HttpApp } from './http-app';

const PROBE = '/api/ai/user/probe';
const TEST = '/api/ai/user/test-model';
const A = 'alice';
const B = 'bob';
const KEY = 'sk-probe-upstream-key-0000111122223333';
const WRONG_KEY = 'sk-wrong-probe-key-999988887777';

interface Platform {
  id: number;
  name: string;
  models: { id: number; displayName: string }[];
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('probe and test-model routes (M6, M7) against a real HTTP upstream', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;
  let fake: Platform;
  let mine: Platform;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: KEY, models: ['m-1', 'm-2'] });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: KEY }, autoKey: true });
    fake = ((await http.get('/api/ai/user/platforms', A)).body as Platform[]).find((p) => p.name === 'Fake')!;
    const created = await http.post('/api/ai/user/platforms', A, {
      name: 'Alice private',
      baseUrl: upstream.url,
      apiKey: KEY,
      models: [{ displayName: 'mine', modelName: 'fake-chat' }],
    });
    mine = created.body as Platform;
    await http.post('/api/ai/user-selection/usage', A, { usage_key: 'alice-slot', platform_id: mine.id, model_id: mine.models[0]!.id });
  });
  afterAll(async () => {
    expect(http.leaked([KEY, WRONG_KEY])).toEqual([]);
    await http.close();
    await upstream.close();
  });

  const modelId = (platform: Platform, name: string): number => platform.models.find((m) => m.displayName === name)!.id;

  it('refuses both routes without an identity (401)', async () => {
    expectCleanError(await http.post(PROBE, undefined, { baseUrl: upstream.url, apiKey: KEY }), 401, 'UNAUTHENTICATED');
    expectCleanError(await http.post(TEST, undefined, { usageKey: 'main' }), 401, 'UNAUTHENTICATED');
    expect(upstream.requests).toHaveLength(0);
  });

  it('probe lists the model ids, with or without /v1 in the base URL', async () => {
    const response = await http.post(PROBE, A, { baseUrl: upstream.url, apiKey: KEY });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ models: ['m-1', 'm-2'] });
    expect((await http.post(PROBE, A, { baseUrl: upstream.url.replace(/\/v1$/, ''), apiKey: KEY })).body).toEqual({ models: ['m-1', 'm-2'] });
  });

  it('probe failures are 502 UPSTREAM_ERROR saying why, without the key', async () => {
    const rejected = await http.post(PROBE, A, { baseUrl: upstream.url, apiKey: WRONG_KEY });
    expectCleanError(rejected, 502, 'UPSTREAM_ERROR');
    expect(rejected.body).toMatchObject({ message: expect.stringMatching(/rejected the API key/) as unknown });
    const noKey = await http.post(PROBE, A, { baseUrl: upstream.url });
    expectCleanError(noKey, 502, 'UPSTREAM_ERROR');
    expectCleanError(await http.post(PROBE, A, { baseUrl: `${upstream.url}/nothing/v1`, apiKey: KEY }), 502, 'UPSTREAM_ERROR');
    const unreachable = await http.post(PROBE, A, { baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, apiKey: KEY });
    expectCleanError(unreachable, 502, 'UPSTREAM_ERROR');
    expect(unreachable.text).toMatch(/unreachable/);
  });

  it.each([
    ['baseUrl missing', { apiKey: KEY }, 'baseUrl'],
    ['baseUrl without a protocol', { baseUrl: '127.0.0.1:8080/v1' }, 'baseUrl'],
    ['baseUrl with file:', { baseUrl: 'file:///etc/passwd' }, 'baseUrl'],
    ['baseUrl as a number', { baseUrl: 8080 }, 'baseUrl'],
    ['baseUrl of 501 characters', { baseUrl: `https://a.example.com/${'p'.repeat(480)}` }, 'baseUrl'],
    ['apiKey as a number', { baseUrl: 'https://api.example.com/v1', apiKey: 1 }, 'apiKey'],
    ['apiKey of 501 characters', { baseUrl: 'https://api.example.com/v1', apiKey: 'k'.repeat(501) }, 'apiKey'],
    ['an unknown field', { baseUrl: 'https://api.example.com/v1', timeoutMs: 1 }, 'timeoutMs'],
  ])('probe refuses %s (400 VALIDATION_FAILED)', async (_name, body, field) => {
    expectValidationError(await http.post(PROBE, A, body), field);
  });

  it('test-model by ids: ok with a latency; an upstream failure is ok: false with its status', async () => {
    const ok = await http.post(TEST, A, { platformId: fake.id, modelId: modelId(fake, 'chat') });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, latencyMs: expect.any(Number) as unknown, platform: 'Fake', model: 'chat' });
    const broken = await http.post(TEST, A, { platformId: fake.id, modelId: modelId(fake, 'broken') });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ ok: false, status: 500, error: expect.any(String) as unknown });
    expect(broken.text).not.toMatch(/\bat \w|\.ts:\d+/);
  });

  it('test-model by usageKey tests what the slot is bound to', async () => {
    const before = upstream.chatRequests.length;
    expect((await http.post(TEST, A, { usageKey: 'reason' })).body).toMatchObject({ ok: true });
    expect(upstream.chatRequests[before]?.body?.['model']).toBe('fake-reasoning');
    expect((await http.post(TEST, A, { usageKey: 'alice-slot' })).body).toMatchObject({ ok: true });
  });

  it('unknown targets are 404 with the domain code', async () => {
    expectCleanError(await http.post(TEST, A, { platformId: fake.id, modelId: 987_654 }), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await http.post(TEST, A, { platformId: 987_654, modelId: modelId(fake, 'chat') }), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await http.post(TEST, A, { usageKey: 'no-such-slot' }), 404, 'USAGE_SLOT_NOT_FOUND');
  });

  it.each([
    ['an empty body', {}, 'usageKey'],
    ['both shapes at once', { usageKey: 'main', platformId: 1, modelId: 1 }, 'usageKey'],
    ['usageKey with platformId only', { usageKey: 'main', platformId: 1 }, 'usageKey'],
    ['platformId without modelId', { platformId: 1 }, 'modelId'],
    ['ids as strings', { platformId: '1', modelId: '2' }, 'platformId'],
    ['a negative modelId', { platformId: 1, modelId: -2 }, 'modelId'],
    ['usageKey with a slash', { usageKey: '../main' }, 'usageKey'],
    ['usageKey as a number', { usageKey: 5 }, 'usageKey'],
    ['snake_case fields', { usage_key: 'main' }, 'usage_key'],
    ['an unknown field', { usageKey: 'main', prompt: 'hi' }, 'prompt'],
  ])('test-model refuses %s (400 VALIDATION_FAILED)', async (_name, body, field) => {
    expectValidationError(await http.post(TEST, A, body), field);
  });

  it('refuses malformed JSON (400) and oversized bodies (413) with a clean JSON error', async () => {
    for (const path of [PROBE, TEST]) {
      expectCleanError(await http.call('post', path, { as: A, raw: '{"baseUrl": ' }), 400);
      expectCleanError(await http.call('post', path, { as: A, raw: JSON.stringify({ apiKey: 'k'.repeat(110_000) }) }), 413);
    }
  });

  describe('between users', () => {
    it("B cannot test A's private model, nor reach A's slot", async () => {
      const before = upstream.chatRequests.length;
      expectCleanError(await http.post(TEST, B, { platformId: mine.id, modelId: mine.models[0]!.id }), 404, 'MODEL_NOT_FOUND');
      expectCleanError(await http.post(TEST, B, { usageKey: 'alice-slot' }), 404, 'USAGE_SLOT_NOT_FOUND');
      expect(upstream.chatRequests).toHaveLength(before);
    });
  });
});

describe('probe with the SSRF guard on (B8, the default)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: KEY, models: ['m-1'] });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: KEY }, allowPrivateBaseUrls: false });
  });
  afterAll(async () => {
    expect(http.leaked([KEY])).toEqual([]);
    await http.close();
    await upstream.close();
  });

  it('refuses a user-supplied loopback, private or metadata address before any request (400 URL_NOT_ALLOWED)', async () => {
    for (const baseUrl of [upstream.url, 'http://localhost:8080/v1', 'http://10.0.0.8/v1', 'http://169.254.169.254/latest']) {
      expectCleanError(await http.post(PROBE, A, { baseUrl, apiKey: KEY }), 400, 'URL_NOT_ALLOWED');
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses the same addresses as the base URL of a private platform (400 URL_NOT_ALLOWED)', async () => {
    expectCleanError(await http.post('/api/ai/user/platforms', A, { name: 'Local', baseUrl: upstream.url }), 400, 'URL_NOT_ALLOWED');
    const created = await http.post('/api/ai/user/platforms', A, { name: 'Public', baseUrl: 'https://93.184.215.14/v1' });
    expect(created.status).toBe(201);
    const id = (created.body as Platform).id;
    expectCleanError(await http.put(`/api/ai/user/platforms/${id}`, A, { baseUrl: 'http://192.168.1.1/v1' }), 400, 'URL_NOT_ALLOWED');
  });

  it('lets an admin probe the same address through this route', async () => {
    const response = await http.call('post', PROBE, { as: 'root', admin: true, body: { baseUrl: upstream.url, apiKey: KEY } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ models: ['m-1'] });
  });
});
