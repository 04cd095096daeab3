import type { Response } from 'supertest';
import type { DataSource } from 'typeorm';
import type { PlatformView } from '../../src/llm-manager/admin/platform.types';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { PlatformEntity } from '../../src/llm-manager/database/platform.entity';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, HttpApp, type Method } from './http-app';

/** What the server's environment holds besides provider keys: none of it may ever leave through a platform. */
const MANAGER_SECRETS = {
  LLM_KEY: 'llm-key-of-the-manager-must-never-leave-0123456789',
  LLM_MGR_ADMIN_TOKEN: 'admin-token-of-the-manager-must-never-leave-9876',
  LLM_MGR_DATABASE_URL: 'postgres://llm:db-password-never-leave@db.internal/llm',
  DATABASE_PASSWORD: 'host-db-password-never-leave-5555',
};
const OTHER_KEY = 'sk-other-provider-key-7777888899990000';
const NEW_KEY = 'sk-new-key-for-new-url-1212343456567878';

describe('{ENV} keys never reach llm-mgr secrets; a stored key only goes to its own base URL', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let attacker: FakeUpstream;
  let app: HttpApp;

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> =>
    app.call(method, path, { as: 'root', admin: true, body });
  const platformNamed = async (name: string): Promise<PlatformView> => {
    const list = (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
    const found = list.find((p) => p.name === name);
    if (!found) throw new Error(`no platform ${name}`);
    return found;
  };
  const secretsSeenBy = (server: FakeUpstream): string[] =>
    server.requests.flatMap((r) => Object.values(MANAGER_SECRETS).filter((s) => JSON.stringify(r).includes(s)));
  const keysSeenBy = (server: FakeUpstream): (string | undefined)[] => server.requests.map((r) => r.authorization);

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY, models: ['fake-chat'] });
    attacker = await startFakeUpstream({ models: ['fake-chat'] });
    app = await HttpApp.start(upstreamYaml(upstream.url), {
      env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY, OTHER_API_KEY: OTHER_KEY, ...MANAGER_SECRETS },
    });
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
    await attacker.close();
  });

  it.each(['LLM_KEY', 'LLM_MGR_ADMIN_TOKEN', 'LLM_MGR_DATABASE_URL', 'llm_key', 'DATABASE_PASSWORD'])(
    'refuses a system platform whose apiKeyEnv is %s, naming the variable and not its value',
    async (variable) => {
      const created = await admin('post', '/api/ai/admin/sys-platform', {
        name: `Steal ${variable}`,
        baseUrl: attacker.url,
        apiKeyEnv: variable,
        models: [{ displayName: 'm', modelName: 'fake-chat' }],
      });
      expectCleanError(created, 400, 'VALIDATION_FAILED');
      expect(created.body.message).toContain(variable);
      const fake = await platformNamed('Fake');
      const updated = await admin('put', '/api/ai/admin/sys-platform', { id: fake.id, apiKeyEnv: variable });
      expectCleanError(updated, 400, 'VALIDATION_FAILED');
      expect(created.text + updated.text).not.toContain(MANAGER_SECRETS.LLM_KEY);
      expect((await platformNamed('Fake')).apiKeyEnv).toBe(SYSTEM_KEY_ENV);
    },
  );

  it('accepts a provider variable (ending in _KEY) and sends it to the URL it was named with', async () => {
    const created = await admin('post', '/api/ai/admin/sys-platform', {
      name: 'Other',
      baseUrl: upstream.url,
      apiKeyEnv: 'OTHER_API_KEY',
      models: [{ displayName: 'm', modelName: 'fake-chat' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ keySource: 'env', maskedKey: 'sk-…0000', usable: true });
  });

  it('the exploit: a row that names LLM_KEY (saved before the rule) is never resolved, shown or sent', async () => {
    const dataSource = app.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    const spare = await platformNamed('Spare');
    await dataSource.getRepository(PlatformEntity).update({ id: spare.id }, { apiKeyEnv: 'LLM_KEY', baseUrl: attacker.url });

    const listed = await admin('get', '/api/ai/admin/sys-platforms');
    const view = (listed.body as PlatformView[]).find((p) => p.id === spare.id);
    expect(view).toMatchObject({ keySource: 'env', apiKeyEnv: 'LLM_KEY', maskedKey: null, usable: false });
    expect(view?.unusableReason).toContain('LLM_KEY');
    expect(listed.text).not.toContain(MANAGER_SECRETS.LLM_KEY.slice(-4));

    const tested = await admin('post', '/api/ai/admin/test-model', { platformId: spare.id, modelId: spare.models[0]!.id });
    expect(tested.text).not.toContain(MANAGER_SECRETS.LLM_KEY);
    expect(tested.status === 400 || tested.body.ok === false).toBe(true);
    const probed = await admin('post', '/api/ai/admin/probe', { platformId: spare.id });
    expect(probed.text).not.toContain(MANAGER_SECRETS.LLM_KEY);
    expect(secretsSeenBy(attacker)).toEqual([]);
    expect(secretsSeenBy(upstream)).toEqual([]);

    // The repair: name an allowed variable in the same request that keeps the new URL.
    const repaired = await admin('put', '/api/ai/admin/sys-platform', { id: spare.id, baseUrl: upstream.url, apiKeyEnv: null });
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({ keySource: 'none', apiKeyEnv: null });
  });

  describe('changing a base URL asks for the key again', () => {
    it('refuses to move a platform with an {ENV} key unless the key is given again or removed', async () => {
      const fake = await platformNamed('Fake');
      const moved = await admin('put', '/api/ai/admin/sys-platform', { id: fake.id, baseUrl: attacker.url });
      expectCleanError(moved, 400, 'VALIDATION_FAILED');
      expect(moved.body.message).toContain('never sent to another address');
      expect((await platformNamed('Fake')).baseUrl).toBe(upstream.url);

      const test = await admin('post', '/api/ai/admin/test-model', { platformId: fake.id, modelId: fake.models[0]!.id });
      expect(test.body).toMatchObject({ ok: true });
      expect(keysSeenBy(attacker)).toEqual([]);
    });

    it('refuses the mask sent back as the key; accepts a new key, or the key removed', async () => {
      const created = await admin('post', '/api/ai/admin/sys-platform', { name: 'Stored', baseUrl: upstream.url, apiKey: SYSTEM_KEY });
      const stored = created.body as PlatformView;
      const withMask = await admin('put', '/api/ai/admin/sys-platform', { id: stored.id, baseUrl: attacker.url, apiKey: stored.maskedKey });
      expectCleanError(withMask, 400, 'VALIDATION_FAILED');

      const withNewKey = await admin('put', '/api/ai/admin/sys-platform', { id: stored.id, baseUrl: attacker.url, apiKey: NEW_KEY });
      expect(withNewKey.status).toBe(200);
      expect(withNewKey.body).toMatchObject({ baseUrl: attacker.url, maskedKey: 'sk-…7878' });

      const removed = await admin('put', '/api/ai/admin/sys-platform', { id: stored.id, baseUrl: upstream.url, apiKey: null });
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ baseUrl: upstream.url, keySource: 'none' });
      // Renaming, or "changing" to the same URL, asks for nothing.
      const same = await admin('put', '/api/ai/admin/sys-platform', { id: stored.id, name: 'Stored2', baseUrl: `${upstream.url}/` });
      expect(same.status).toBe(200);
    });

    it("applies to a user's own platform", async () => {
      const created = await app.call('post', '/api/ai/user/platforms', {
        as: 'alice',
        body: { name: 'Mine', baseUrl: upstream.url, apiKey: SYSTEM_KEY },
      });
      expect(created.status).toBe(201);
      const id = (created.body as PlatformView).id;
      const moved = await app.call('put', `/api/ai/user/platforms/${id}`, { as: 'alice', body: { baseUrl: attacker.url } });
      expectCleanError(moved, 400, 'VALIDATION_FAILED');
      const withKey = await app.call('put', `/api/ai/user/platforms/${id}`, { as: 'alice', body: { baseUrl: attacker.url, apiKey: NEW_KEY } });
      expect(withKey.status).toBe(200);
      expect(keysSeenBy(attacker)).toEqual([]);
    });
  });
});
