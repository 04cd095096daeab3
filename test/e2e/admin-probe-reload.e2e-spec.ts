import type { Response } from 'supertest';
import type { PlatformView } from '../../src/llm-manager/admin/platform.types';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import type { SyncReport } from '../../src/llm-manager/yaml-sync/sync-report';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, expectValidationError, HttpApp, type Method } from './http-app';

const ALICE_KEY = 'sk-alice-own-key-9999888877776666';
const ADMIN_KEY = 'sk-admin-typed-key-4444333322221111';
const WRONG_KEY = 'sk-wrong-key-0000000000000000';

describe('admin: probe, test-model and reload-from-yaml over HTTP', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let app: HttpApp;

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> =>
    app.call(method, path, { as: 'root', admin: true, body });
  const platforms = async (): Promise<PlatformView[]> => (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
  const platformNamed = async (name: string): Promise<PlatformView> => {
    const found = (await platforms()).find((p) => p.name === name);
    if (!found) throw new Error(`no platform ${name}`);
    return found;
  };
  const modelId = (platform: PlatformView, displayName: string): number => {
    const model = platform.models.find((m) => m.displayName === displayName);
    if (!model) throw new Error(`no model ${displayName}`);
    return model.id;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY, models: ['fake-chat', 'fake-reasoning'] });
    app = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY } });
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  it('probes a URL with a key, with or without /v1', async () => {
    const probed = await admin('post', '/api/ai/admin/probe', { baseUrl: upstream.url, apiKey: SYSTEM_KEY });
    expect(probed.status).toBe(200);
    expect(probed.body).toEqual({ models: ['fake-chat', 'fake-reasoning'] });
    const bare = await admin('post', '/api/ai/admin/probe', { baseUrl: upstream.url.replace(/\/v1$/, ''), apiKey: SYSTEM_KEY });
    expect(bare.body).toEqual({ models: ['fake-chat', 'fake-reasoning'] });
    expect(upstream.requests.at(-1)?.authorization).toBe(`Bearer ${SYSTEM_KEY}`);
  });

  it('probes a stored platform with its own key', async () => {
    const fake = await platformNamed('Fake');
    const probed = await admin('post', '/api/ai/admin/probe', { platformId: fake.id });
    expect(probed.status).toBe(200);
    expect(probed.body).toEqual({ models: ['fake-chat', 'fake-reasoning'] });
    expect(upstream.requests.at(-1)?.authorization).toBe(`Bearer ${SYSTEM_KEY}`);

    // Spare has no key, and the fake wants one: the upstream's refusal is a 502 that names no key.
    const spare = await platformNamed('Spare');
    expectCleanError(await admin('post', '/api/ai/admin/probe', { platformId: spare.id }), 502, 'UPSTREAM_ERROR');
    expectCleanError(await admin('post', '/api/ai/admin/probe', { platformId: 999_999 }), 404, 'PLATFORM_NOT_FOUND');
  });

  it('says why a probe failed without echoing the key', async () => {
    const refused = await admin('post', '/api/ai/admin/probe', { baseUrl: upstream.url, apiKey: WRONG_KEY });
    expectCleanError(refused, 502, 'UPSTREAM_ERROR');
    expect(refused.body.message).toMatch(/rejected the API key/);
    expect(refused.text).not.toContain(WRONG_KEY);
    expectCleanError(await admin('post', '/api/ai/admin/probe', { baseUrl: `${upstream.url}/nowhere/v1`, apiKey: SYSTEM_KEY }), 502, 'UPSTREAM_ERROR');
  });

  it('refuses a probe that mixes or lacks its two forms', async () => {
    const fake = await platformNamed('Fake');
    expectValidationError(await admin('post', '/api/ai/admin/probe', {}), 'baseUrl');
    expectValidationError(await admin('post', '/api/ai/admin/probe', { platformId: fake.id, baseUrl: upstream.url }), 'baseUrl must be omitted when platformId is given');
    expectValidationError(await admin('post', '/api/ai/admin/probe', { platformId: fake.id, apiKey: SYSTEM_KEY }), 'apiKey must be omitted');
    expectValidationError(await admin('post', '/api/ai/admin/probe', { baseUrl: 'file:///etc/passwd' }), 'baseUrl');
    expectValidationError(await admin('post', '/api/ai/admin/probe', { platformId: '1' }), 'platformId');
    expectValidationError(await admin('post', '/api/ai/admin/probe', { baseUrl: upstream.url, timeoutMs: 1 }), 'timeoutMs');
  });

  it('tests a system model: ok with latency, or the upstream error as ok: false', async () => {
    const fake = await platformNamed('Fake');
    const ok = await admin('post', '/api/ai/admin/test-model', { platformId: fake.id, modelId: modelId(fake, 'chat') });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true });
    expect(typeof ok.body.latencyMs).toBe('number');

    const broken = await admin('post', '/api/ai/admin/test-model', { platformId: fake.id, modelId: modelId(fake, 'broken') });
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({ ok: false, status: 500 });
    expect(typeof broken.body.error).toBe('string');
  });

  // An upstream that echoes the key in its error text: testModel masks it before answering.
  it('does not pass on a key the upstream echoes in its error', async () => {
    const fake = await platformNamed('Fake');
    upstream.enqueue({ error: { status: 400, message: `Key ${SYSTEM_KEY} may not use this model.` } });
    const refused = await admin('post', '/api/ai/admin/test-model', { platformId: fake.id, modelId: modelId(fake, 'chat') });
    app.bodies.splice(app.bodies.indexOf(refused.text), 1);
    expect(refused.body).toMatchObject({ ok: false, status: 400 });
    expect(refused.text).not.toContain(SYSTEM_KEY);
  });

  it('refuses to test what is not a model of that system platform', async () => {
    const fake = await platformNamed('Fake');
    const spare = await platformNamed('Spare');
    expectCleanError(await admin('post', '/api/ai/admin/test-model', { platformId: fake.id, modelId: 999_999 }), 404, 'MODEL_NOT_FOUND');
    expectCleanError(await admin('post', '/api/ai/admin/test-model', { platformId: spare.id, modelId: modelId(fake, 'chat') }), 404, 'MODEL_NOT_FOUND');
    expectValidationError(await admin('post', '/api/ai/admin/test-model', { platformId: fake.id }), 'modelId');
    expectValidationError(await admin('post', '/api/ai/admin/test-model', { platformId: fake.id, modelId: -3 }), 'modelId');
    expectValidationError(await admin('post', '/api/ai/admin/test-model', { usageKey: 'main', platformId: 1, modelId: 1 }), 'usageKey');
  });

  it("force-resets the system platforms from the YAML and keeps users' own keys", async () => {
    const fake = await platformNamed('Fake');
    await app.app.get(UserPlatformService).setUserPlatformKey('alice', fake.id, ALICE_KEY);
    await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: fake.id, apiKey: ADMIN_KEY });
    await admin('put', '/api/ai/admin/sys-platform', { id: fake.id, baseUrl: 'https://changed.example/v1' });
    await admin('post', '/api/ai/admin/sys-platform', { name: 'Extra', baseUrl: 'https://extra.example/v1' });
    await admin('delete', `/api/ai/admin/sys-model/${modelId(fake, 'slow')}`);

    const reset = await admin('post', '/api/ai/admin/reload-from-yaml');
    expect(reset.status).toBe(200);
    const report = reset.body as SyncReport;
    expect(report.mode).toBe('reset');
    expect(report.replaced).toEqual(expect.arrayContaining(['Fake', 'Spare', 'Fake/chat']));
    expect(report.added).toEqual(expect.arrayContaining(['Fake/slow']));
    expect(report.removed).toEqual(['Extra']);

    const after = await platformNamed('Fake');
    expect(after).toMatchObject({ id: fake.id, baseUrl: upstream.url, keySource: 'env', maskedKey: fake.maskedKey });
    expect((await platforms()).map((p) => p.name)).toEqual(['Fake', 'Spare']);
    const aliceKeys = await app.app.get(UserPlatformService).listUserPlatformKeys('alice');
    expect(aliceKeys).toEqual([expect.objectContaining({ platformId: fake.id, maskedKey: 'sk-…6666' })]);
  });

  it('changes nothing when the YAML does not validate', async () => {
    const before = await platforms();
    app.store.writeYaml('platforms:\n  Broken:\n    base_url: not-a-url\n');
    try {
      const refused = await admin('post', '/api/ai/admin/reload-from-yaml');
      expectCleanError(refused, 400, 'CONFIG_INVALID');
      expect(await platforms()).toEqual(before);
    } finally {
      app.store.writeYaml(upstreamYaml(upstream.url));
    }
  });

  // The loader names the YAML by its absolute path for operators; the HTTP filter keeps only the file name.
  it('a YAML error names the file without its absolute path', async () => {
    app.store.writeYaml('platforms:\n  Broken:\n    base_url: not-a-url\n');
    try {
      const refused = await admin('post', '/api/ai/admin/reload-from-yaml');
      expectCleanError(refused, 400, 'CONFIG_INVALID');
      expect(refused.text).not.toContain(app.store.dir);
    } finally {
      app.store.writeYaml(upstreamYaml(upstream.url));
    }
  });

  it('never answered with a plaintext key', () => {
    expect(app.leaked([SYSTEM_KEY, ALICE_KEY, ADMIN_KEY, WRONG_KEY, TEST_MASTER_KEY])).toEqual([]);
  });
});
