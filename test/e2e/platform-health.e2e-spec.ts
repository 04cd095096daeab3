import request, { type Response } from 'supertest';
import type { PlatformView } from '../../src/llm-manager/admin/platform.types';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { UserSelectionService } from '../../src/llm-manager/user-selection/user-selection.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';
import { testHeaderIdentity } from './http-app';

/** Issue 19: a system platform switched off without being deleted, and tested as a whole with its outcome kept. */
describe('platform health: disable, enable, test', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;

  const yaml = (url: string): string => `
platforms:
  Fake:
    base_url: ${url}
    api_key: '{${SYSTEM_KEY_ENV}}'
    models: { chat: fake-chat }
  Backup:
    base_url: ${url}
    api_key: '{${SYSTEM_KEY_ENV}}'
    models: { backup-chat: fake-chat }
  Empty:
    base_url: ${url}
    api_key: '{${SYSTEM_KEY_ENV}}'
usages:
  main: { platform: Fake, model: chat }
`;

  const call = (method: 'get' | 'post', path: string, as = 'root', admin = true, body?: object): Promise<Response> => {
    const req = request(gateway.app.getHttpServer())[method](path).set('x-test-user', as);
    if (admin) req.set('x-test-admin', '1');
    return body ? req.send(body) : req;
  };
  const platformNamed = async (name: string): Promise<PlatformView> =>
    ((await call('get', '/api/ai/admin/sys-platforms')).body as PlatformView[]).find((p) => p.name === name)!;
  const gatewayModels = async (): Promise<string[]> => {
    const response = await fetch(`${gateway.url}/models`, { headers: { authorization: `Bearer ${token}` } });
    return ((await response.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
  };
  const manager = (): LlmManagerService => gateway.app.get(LlmManagerService);
  const chatNamed = async (model: string): Promise<{ status: number }> => {
    const response = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.text();
    return response;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { resolveIdentity: testHeaderIdentity }, yaml(upstream.url));
    token = await gateway.tokenFor('bob');
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  it('a disabled platform is kept but not usable: not picked, not listed by /v1/models, getSpecSysLlm refuses it', async () => {
    const fake = await platformNamed('Fake');
    expect(fake).toMatchObject({ enabled: true, lastTest: null });
    expect((await manager().getUserLlm('bob', { usageKey: 'main' })).info.platformName).toBe('Fake');
    expect(await gatewayModels()).toContain('Fake/chat');
    // Called by name once, so the gateway has the route cached: disabling must drop it.
    expect((await chatNamed('Fake/chat')).status).toBe(200);

    const disabled = await call('post', `/api/ai/admin/sys-platform/${fake.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: fake.id, enabled: false, models: [{ displayName: 'chat' }] });

    // The slot goes where self-repair would send it, without being re-bound: enabling brings it back.
    expect((await manager().getUserLlm('bob', { usageKey: 'main' })).info.platformName).toBe('Backup');
    const slots = await gateway.app.get(UserSelectionService).listSlots('bob');
    expect(slots.find((s) => s.usage_key === 'main')).toMatchObject({ platform_name: 'Fake', model_display_name: 'chat' });
    const models = await gatewayModels();
    expect(models).not.toContain('Fake/chat');
    expect(models).toContain('Backup/backup-chat');
    expect((await chatNamed('Fake/chat')).status).toBe(404);
    const refused = await manager().getSpecSysLlm('Fake', 'chat').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LlmManagerError);
    expect(refused).toMatchObject({ code: 'PLATFORM_DISABLED', details: { platformName: 'Fake', platformId: fake.id } });
    expect((refused as Error).message).toContain(`/api/ai/admin/sys-platform/${fake.id}/enable`);
    // A user no longer sees it among the platforms to call.
    expect((await manager().listPlatforms('bob')).map((p) => p.name)).not.toContain('Fake');

    const enabled = await call('post', `/api/ai/admin/sys-platform/${fake.id}/enable`);
    expect(enabled.body).toMatchObject({ enabled: true });
    expect((await manager().getUserLlm('bob', { usageKey: 'main' })).info.platformName).toBe('Fake');
    expect(await gatewayModels()).toContain('Fake/chat');
    expect((await manager().getSpecSysLlm('Fake', 'chat')).info.platformName).toBe('Fake');
  });

  it('fallback chains and self-repair skip a disabled platform', async () => {
    const [fake, backup] = [await platformNamed('Fake'), await platformNamed('Backup')];
    const on = (p: PlatformView): { platformId: number; modelId: number } => ({ platformId: p.id, modelId: p.models[0]!.id });
    await manager().createUserUsageSlot('bob', 'sturdy', { ...on(backup), fallbacks: [on(fake)] });
    const selections = gateway.app.get(UserSelectionService);
    expect((await selections.resolveSlot('bob', 'sturdy')).fallbacks.map((f) => f.platform.name)).toEqual(['Fake']);
    await call('post', `/api/ai/admin/sys-platform/${fake.id}/disable`);
    try {
      expect((await selections.resolveSlot('bob', 'sturdy')).fallbacks).toEqual([]);
      // A new user's slots start on the system binding's platform only when it is enabled.
      expect((await selections.resolveSlot('carol', 'main')).platform.name).toBe('Backup');
    } finally {
      await call('post', `/api/ai/admin/sys-platform/${fake.id}/enable`);
    }
    expect((await selections.resolveSlot('bob', 'sturdy')).fallbacks.map((f) => f.platform.name)).toEqual(['Fake']);
  });

  it('toggling is for admins, names an existing platform and a row id', async () => {
    const fake = await platformNamed('Fake');
    expect((await call('post', `/api/ai/admin/sys-platform/${fake.id}/disable`, 'alice', false)).status).toBe(403);
    expect((await call('post', '/api/ai/admin/sys-platform/99999/disable')).status).toBe(404);
    const bad = await call('post', '/api/ai/admin/sys-platform/abc/enable');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(await platformNamed('Fake')).toMatchObject({ enabled: true });
  });

  it('tests a platform through its first model and keeps the outcome, masked, on the platform', async () => {
    const fake = await platformNamed('Fake');
    const ok = await call('post', `/api/ai/admin/sys-platform/${fake.id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, platform: 'Fake', model: 'chat' });
    const afterOk = (await platformNamed('Fake')).lastTest!;
    expect(afterOk).toMatchObject({ ok: true });
    expect(afterOk.detail).toMatch(/^chat · \d+ ms$/);
    expect(Date.now() - new Date(afterOk.at).getTime()).toBeLessThan(60_000);

    upstream.scriptModel('fake-chat', { error: { status: 401, message: `Incorrect API key provided: ${SYSTEM_KEY}` } });
    const failed = await call('post', `/api/ai/admin/sys-platform/${fake.id}/test`);
    expect(failed.body).toMatchObject({ ok: false, status: 401 });
    const afterFail = (await platformNamed('Fake')).lastTest!;
    expect(afterFail.ok).toBe(false);
    expect(afterFail.detail).toMatch(/^HTTP 401: /);
    expect(JSON.stringify(await call('get', '/api/ai/admin/sys-platforms'))).not.toContain(SYSTEM_KEY);

    // The per-model test of the console records the platform's last test as well.
    upstream.reset();
    const backup = await platformNamed('Backup');
    await call('post', '/api/ai/admin/test-model', 'root', true, { platformId: backup.id, modelId: backup.models[0]!.id });
    expect((await platformNamed('Backup')).lastTest).toMatchObject({ ok: true });

    const empty = await platformNamed('Empty');
    const none = await call('post', `/api/ai/admin/sys-platform/${empty.id}/test`);
    expect(none.body).toMatchObject({ ok: false });
    expect(none.body.error).toContain('has no model to test');
    expect((await platformNamed('Empty')).lastTest).toMatchObject({ ok: false, detail: expect.stringContaining('has no model') });
    expect((await call('post', `/api/ai/admin/sys-platform/${fake.id}/test`, 'alice', false)).status).toBe(403);
  });
});
