import type { Response } from 'supertest';
import type { PlatformView } from '../../src/llm-manager/admin/platform.types';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { HttpApp, type Method } from './http-app';

/** A platform that needs no key (a local Ollama preset) is usable once it has answered, not because it asks for nothing. */
describe('keyless platforms count as usable once they answered', () => {
  useNoNetworkGuard();
  let local: FakeUpstream;
  let app: HttpApp;

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> =>
    app.call(method, path, { as: 'root', admin: true, body });
  const platformNamed = async (name: string): Promise<PlatformView> => {
    const list = (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
    return list.find((p) => p.name === name)!;
  };

  beforeAll(async () => {
    local = await startFakeUpstream({ models: ['fake-chat'] });
    app = await HttpApp.start(`
platforms:
  Local:
    base_url: ${local.url}
    models: { chat: fake-chat }
  Nothing there:
    base_url: http://127.0.0.1:9/v1
    models: { chat: fake-chat }
usages:
  main: { platform: Local, model: chat }
`);
  });
  afterAll(async () => {
    await app.close();
    await local.close();
  });

  it('lists a keyless platform that never answered as not usable, saying what to do', async () => {
    for (const name of ['Local', 'Nothing there']) {
      const view = await platformNamed(name);
      expect(view).toMatchObject({ keySource: 'none', usable: false });
      expect(view.unusableReason).toContain('has not answered');
    }
    // A user sees the same.
    const seen = (await app.call('get', '/api/ai/user/platforms', { as: 'alice' })).body as PlatformView[];
    expect(seen.find((p) => p.name === 'Local')).toMatchObject({ usable: false });
  });

  it('a successful test or probe makes it usable; a failed one does not', async () => {
    const dead = await platformNamed('Nothing there');
    const failed = await admin('post', '/api/ai/admin/test-model', { platformId: dead.id, modelId: dead.models[0]!.id });
    expect(failed.body).toMatchObject({ ok: false });
    expect((await admin('post', '/api/ai/admin/probe', { platformId: dead.id })).status).toBe(502);
    expect(await platformNamed('Nothing there')).toMatchObject({ usable: false });

    const localView = await platformNamed('Local');
    const tested = await admin('post', '/api/ai/admin/test-model', { platformId: localView.id, modelId: localView.models[0]!.id });
    expect(tested.body).toMatchObject({ ok: true });
    expect(await platformNamed('Local')).toMatchObject({ usable: true, unusableReason: null });
  });

  it('a probe of the stored platform counts too, and moving the platform forgets the answer', async () => {
    const localView = await platformNamed('Local');
    const moved = await admin('put', '/api/ai/admin/sys-platform', { id: localView.id, baseUrl: `${local.url}/other` });
    expect(moved.body).toMatchObject({ usable: false });
    await admin('put', '/api/ai/admin/sys-platform', { id: localView.id, baseUrl: local.url });
    expect(await platformNamed('Local')).toMatchObject({ usable: false });
    const probed = await admin('post', '/api/ai/admin/probe', { platformId: localView.id });
    expect(probed.body).toEqual({ models: ['fake-chat'] });
    expect(await platformNamed('Local')).toMatchObject({ usable: true });
  });

  it('an admin can mark a platform as answering (404 for one that does not exist)', async () => {
    const dead = await platformNamed('Nothing there');
    const marked = await admin('post', `/api/ai/admin/sys-platform/${dead.id}/answering`);
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ id: dead.id, usable: true, unusableReason: null });
    expect((await admin('post', '/api/ai/admin/sys-platform/99999/answering')).status).toBe(404);
    expect((await app.call('post', `/api/ai/admin/sys-platform/${dead.id}/answering`, { as: 'alice' })).status).toBe(403);
  });

  it('a reset from YAML that moves the platform forgets the answer; one that keeps the URL keeps it', async () => {
    const yaml = (localUrl: string): string => `
platforms:
  Local:
    base_url: ${localUrl}
    models: { chat: fake-chat }
  Nothing there:
    base_url: http://127.0.0.1:9/v1
    models: { chat: fake-chat }
`;
    const localView = await platformNamed('Local');
    await admin('post', `/api/ai/admin/sys-platform/${localView.id}/answering`);
    app.store.writeYaml(yaml(local.url));
    expect((await admin('post', '/api/ai/admin/reload-from-yaml')).status).toBe(200);
    expect(await platformNamed('Local')).toMatchObject({ id: localView.id, usable: true });
    app.store.writeYaml(yaml(`${local.url}/moved`));
    expect((await admin('post', '/api/ai/admin/reload-from-yaml')).status).toBe(200);
    expect(await platformNamed('Local')).toMatchObject({ id: localView.id, usable: false });
  });
});
