import type { Response } from 'supertest';
import { PlatformAdminService } from '../../src/llm-manager/admin/platform-admin.service';
import type { ModelView, PlatformView } from '../../src/llm-manager/admin/platform.types';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { KeyResolver } from '../../src/llm-manager/catalogue/key-resolver';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { expectCleanError, expectValidationError, HttpApp, type Method } from './http-app';

const ENV_KEY = 'sk-test-env-key-0000111122223333';
const YAML_PLAIN_KEY = 'sk-plain-yaml-key-aaaabbbbccccdddd';
const CREATED_KEY = 'sk-created-key-5555666677778888';
const SET_KEY = 'sk-admin-set-key-1111222233334444';
const SECRETS = [ENV_KEY, YAML_PLAIN_KEY, CREATED_KEY, SET_KEY, TEST_MASTER_KEY];

describe('admin: system platforms and models over HTTP', () => {
  useNoNetworkGuard();
  let app: HttpApp;

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> =>
    app.call(method, path, { as: 'root', admin: true, body });
  const platforms = async (): Promise<PlatformView[]> => (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
  const platformNamed = async (name: string): Promise<PlatformView> => {
    const found = (await platforms()).find((p) => p.name === name);
    if (!found) throw new Error(`no platform ${name}`);
    return found;
  };
  const storedKey = async (platformId: number): Promise<string | null> => {
    const platform = await app.app.get(PlatformAdminService).findOwned(SYSTEM_USER_ID, platformId);
    return (await app.app.get(KeyResolver).resolveFor(SYSTEM_USER_ID, platform)).apiKey;
  };

  beforeAll(async () => {
    app = await HttpApp.start();
  });
  afterAll(async () => {
    await app.close();
  });

  it('lists the system platforms in order with masked keys, usability and models', async () => {
    const response = await admin('get', '/api/ai/admin/sys-platforms');
    expect(response.status).toBe(200);
    const list = response.body as PlatformView[];
    expect(list.map((p) => p.name)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
    expect(list[0]).toMatchObject({ isDefault: true, isSystem: true, keySource: 'env', apiKeyEnv: 'TEST_PLATFORM_KEY', maskedKey: 'sk-…3333', usable: true });
    expect(list[0]!.models.map((m) => m.displayName)).toEqual(['DeepSeek-V3', 'DeepSeek-R1']);
    expect(list[0]!.models[1]!.extraBody).toEqual({ thinking: { type: 'enabled' } });
    expect(list[1]).toMatchObject({ isDefault: false, keySource: 'encrypted', maskedKey: 'sk-…dddd' });
    expect(list[2]).toMatchObject({ usable: false, maskedKey: null });
    expect(list[2]!.unusableReason).toContain('NOT_SET_ANYWHERE');
  });

  it('creates a platform with models (201) and refuses a taken name (409)', async () => {
    const created = await admin('post', '/api/ai/admin/sys-platform', {
      name: 'Moonshot',
      baseUrl: 'https://api.moonshot.cn/v1',
      apiKey: CREATED_KEY,
      models: [{ displayName: 'Kimi', modelName: 'kimi-k2', extraBody: { temperature_hint: 0.6 }, inputPrice: 0.6, cachedInputPrice: 0.15 }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Moonshot', isSystem: true, isDefault: false, sortOrder: 3, keySource: 'encrypted', maskedKey: 'sk-…8888' });
    expect((created.body as PlatformView).models[0]).toMatchObject({ displayName: 'Kimi', modelName: 'kimi-k2', extraBody: { temperature_hint: 0.6 }, inputPrice: 0.6, cachedInputPrice: 0.15, outputPrice: null });
    expect(created.text).not.toContain('apiKey"');

    const withEnv = await admin('post', '/api/ai/admin/sys-platform', { name: 'Local', baseUrl: 'http://ollama:11434/v1', apiKeyEnv: 'OLLAMA_KEY' });
    expect(withEnv.status).toBe(201);
    expect(withEnv.body).toMatchObject({ keySource: 'env', apiKeyEnv: 'OLLAMA_KEY', usable: false });

    expectCleanError(await admin('post', '/api/ai/admin/sys-platform', { name: 'Moonshot', baseUrl: 'https://x.example/v1' }), 409, 'NAME_CONFLICT');
    const twice = await admin('post', '/api/ai/admin/sys-platform', {
      name: 'Twice',
      baseUrl: 'https://x.example/v1',
      models: [{ displayName: 'a', modelName: 'a' }, { displayName: 'a', modelName: 'b' }],
    });
    expectCleanError(twice, 409, 'NAME_CONFLICT');
  });

  it.each([
    ['name', { baseUrl: 'https://x.example/v1' }],
    ['name', { name: 5, baseUrl: 'https://x.example/v1' }],
    ['name', { name: 'n'.repeat(101), baseUrl: 'https://x.example/v1' }],
    ['baseUrl', { name: 'A' }],
    ['baseUrl', { name: 'A', baseUrl: 'ftp://x.example/v1' }],
    ['baseUrl', { name: 'A', baseUrl: 'api.deepseek.com/v1' }],
    ['baseUrl', { name: 'A', baseUrl: `https://x.example/${'p'.repeat(500)}` }],
    ['apiKeyEnv', { name: 'A', baseUrl: 'https://x.example/v1', apiKeyEnv: '1-bad-name' }],
    ['apiKey', { name: 'A', baseUrl: 'https://x.example/v1', apiKey: 42 }],
    ['models', { name: 'A', baseUrl: 'https://x.example/v1', models: { displayName: 'a' } }],
    ['extraBody', { name: 'A', baseUrl: 'https://x.example/v1', models: [{ displayName: 'a', modelName: 'a', extraBody: [1] }] }],
    ['extraBody', { name: 'A', baseUrl: 'https://x.example/v1', models: [{ displayName: 'a', modelName: 'a', extraBody: '{"x":1}' }] }],
    ['inputPrice', { name: 'A', baseUrl: 'https://x.example/v1', models: [{ displayName: 'a', modelName: 'a', inputPrice: -1 }] }],
    ['modelName', { name: 'A', baseUrl: 'https://x.example/v1', models: [{ displayName: 'a' }] }],
    ['surprise', { name: 'A', baseUrl: 'https://x.example/v1', surprise: true }],
  ])('refuses a create with a bad %s (400 VALIDATION_FAILED)', async (field, body) => {
    expectValidationError(await admin('post', '/api/ai/admin/sys-platform', body), field);
  });

  it('updates only the fields sent; the masked key sent back keeps the stored key', async () => {
    const moonshot = await platformNamed('Moonshot');
    const renamed = await admin('put', '/api/ai/admin/sys-platform', { id: moonshot.id, name: 'Moonshot CN', apiKey: moonshot.maskedKey });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: moonshot.id, name: 'Moonshot CN', baseUrl: 'https://api.moonshot.cn/v1', maskedKey: 'sk-…8888' });
    expect(await storedKey(moonshot.id)).toBe(CREATED_KEY);

    const rekeyed = await admin('put', '/api/ai/admin/sys-platform', { id: moonshot.id, apiKey: SET_KEY, baseUrl: 'https://api.moonshot.ai/v1' });
    expect(rekeyed.body).toMatchObject({ maskedKey: 'sk-…4444', baseUrl: 'https://api.moonshot.ai/v1' });
    expect(await storedKey(moonshot.id)).toBe(SET_KEY);

    const cleared = await admin('put', '/api/ai/admin/sys-platform', { id: moonshot.id, apiKey: null });
    expect(cleared.body).toMatchObject({ maskedKey: null, keySource: 'none' });
  });

  it('refuses bad updates: wrong types, unknown ids, taken names, other owners\' platforms', async () => {
    const deepseek = await platformNamed('DeepSeek');
    expectValidationError(await admin('put', '/api/ai/admin/sys-platform', { name: 'x' }), 'id');
    expectValidationError(await admin('put', '/api/ai/admin/sys-platform', { id: String(deepseek.id) }), 'id');
    expectValidationError(await admin('put', '/api/ai/admin/sys-platform', { id: 1.5 }), 'id');
    expectValidationError(await admin('put', '/api/ai/admin/sys-platform', { id: 0 }), 'id');
    expectValidationError(await admin('put', '/api/ai/admin/sys-platform', { id: deepseek.id, baseUrl: 'javascript:alert(1)' }), 'baseUrl');
    expectValidationError(await admin('put', '/api/ai/admin/sys-platform', { id: deepseek.id, isDefault: true }), 'isDefault');
    expectCleanError(await admin('put', '/api/ai/admin/sys-platform', { id: 999_999, name: 'x' }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await admin('put', '/api/ai/admin/sys-platform', { id: deepseek.id, name: '阿里云百炼' }), 409, 'NAME_CONFLICT');

    const own = await app.app.get(UserPlatformService).addPlatform('alice', { name: 'Mine', baseUrl: 'https://mine.example/v1', apiKey: 'sk-alice-own-0000999988887777' });
    expectCleanError(await admin('put', '/api/ai/admin/sys-platform', { id: own.id, name: 'Stolen' }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await admin('delete', '/api/ai/admin/sys-platform', { id: own.id }), 404, 'PLATFORM_NOT_FOUND');
    expectCleanError(await admin('post', `/api/ai/admin/sys-platform/${own.id}/models`, { displayName: 'x', modelName: 'x' }), 404, 'PLATFORM_NOT_FOUND');
    expect(app.leaked(['sk-alice-own-0000999988887777'])).toEqual([]);
  });

  it('sets and clears a key with POST /sys-platform/api-key', async () => {
    const target = await platformNamed('阿里云百炼');
    const set = await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: target.id, apiKey: SET_KEY });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: target.id, keySource: 'encrypted', maskedKey: 'sk-…4444' });
    expect(await storedKey(target.id)).toBe(SET_KEY);

    expect((await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: target.id, apiKey: '' })).body).toMatchObject({ maskedKey: null });
    await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: target.id, apiKey: YAML_PLAIN_KEY });
    expect((await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: target.id, apiKey: null })).body).toMatchObject({ maskedKey: null, keySource: 'none' });

    expectValidationError(await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: target.id }), 'apiKey');
    expectValidationError(await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: target.id, apiKey: 'sk-with space' }), 'apiKey');
    expectValidationError(await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: 'one', apiKey: SET_KEY }), 'platformId');
    expectCleanError(await admin('post', '/api/ai/admin/sys-platform/api-key', { platformId: 999_999, apiKey: SET_KEY }), 404, 'PLATFORM_NOT_FOUND');
  });

  it('moves a platform to the top with POST /sys-platform/:id/default', async () => {
    const missing = await platformNamed('MissingEnv');
    const moved = await admin('post', `/api/ai/admin/sys-platform/${missing.id}/default`);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: missing.id, isDefault: true, sortOrder: 0 });
    expect((await platforms()).map((p) => p.name).slice(0, 3)).toEqual(['MissingEnv', 'DeepSeek', '阿里云百炼']);
    await admin('post', `/api/ai/admin/sys-platform/${(await platformNamed('DeepSeek')).id}/default`);

    expectCleanError(await admin('post', '/api/ai/admin/sys-platform/999999/default'), 404, 'PLATFORM_NOT_FOUND');
    for (const bad of ['abc', '1e3', '0', '-1', '99999999999']) {
      expectValidationError(await admin('post', `/api/ai/admin/sys-platform/${bad}/default`), 'id');
    }
  });

  it('adds, edits and deletes system models', async () => {
    const deepseek = await platformNamed('DeepSeek');
    const added = await admin('post', `/api/ai/admin/sys-platform/${deepseek.id}/models`, { displayName: 'Coder', modelName: 'deepseek-coder', extraBody: { top_k: 5 } });
    expect(added.status).toBe(201);
    const model = added.body as ModelView;
    expect(model).toMatchObject({ platformId: deepseek.id, displayName: 'Coder', modelName: 'deepseek-coder', extraBody: { top_k: 5 } });

    expectCleanError(await admin('post', `/api/ai/admin/sys-platform/${deepseek.id}/models`, { displayName: 'Coder', modelName: 'x' }), 409, 'NAME_CONFLICT');
    expectValidationError(await admin('post', `/api/ai/admin/sys-platform/${deepseek.id}/models`, { displayName: 'Y', modelName: 'y', extraBody: 3 }), 'extraBody');
    expectValidationError(await admin('post', `/api/ai/admin/sys-platform/${deepseek.id}/models`, { displayName: 'Y', modelName: 'm'.repeat(201) }), 'modelName');
    expectCleanError(await admin('post', '/api/ai/admin/sys-platform/999999/models', { displayName: 'Y', modelName: 'y' }), 404, 'PLATFORM_NOT_FOUND');

    const renamed = await admin('put', `/api/ai/admin/sys-model/${model.id}`, { displayName: 'Coder V2' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: model.id, displayName: 'Coder V2', modelName: 'deepseek-coder', extraBody: { top_k: 5 } });
    expect((await admin('put', `/api/ai/admin/sys-model/${model.id}`, { extraBody: null, outputPrice: 2, cachedInputPrice: 0.1 })).body).toMatchObject({ displayName: 'Coder V2', extraBody: null, outputPrice: 2, cachedInputPrice: 0.1 });
    expectCleanError(await admin('put', `/api/ai/admin/sys-model/${model.id}`, { displayName: 'DeepSeek-V3' }), 409, 'NAME_CONFLICT');
    expectValidationError(await admin('put', `/api/ai/admin/sys-model/${model.id}`, { extraBody: ['x'] }), 'extraBody');
    expectValidationError(await admin('put', `/api/ai/admin/sys-model/${model.id}`, { platformId: 1 }), 'platformId');
    expectCleanError(await admin('put', '/api/ai/admin/sys-model/999999', { displayName: 'x' }), 404, 'MODEL_NOT_FOUND');

    expect((await admin('delete', `/api/ai/admin/sys-model/${model.id}`)).status).toBe(204);
    expectCleanError(await admin('delete', `/api/ai/admin/sys-model/${model.id}`), 404, 'MODEL_NOT_FOUND');
    expectValidationError(await admin('delete', '/api/ai/admin/sys-model/x'), 'id');
  });

  it('deletes a platform by JSON body or by ?id= (204)', async () => {
    const local = await platformNamed('Local');
    expectValidationError(await admin('delete', '/api/ai/admin/sys-platform'), 'id');
    expectValidationError(await admin('delete', '/api/ai/admin/sys-platform', { id: 'x' }), 'id');
    expectValidationError(await admin('delete', '/api/ai/admin/sys-platform?id=1e3'), 'id');
    expectValidationError(await admin('delete', `/api/ai/admin/sys-platform?id=${local.id}`, { id: local.id + 1 }), 'id');
    expectCleanError(await admin('delete', '/api/ai/admin/sys-platform', { id: 999_999 }), 404, 'PLATFORM_NOT_FOUND');

    const byBody = await admin('delete', '/api/ai/admin/sys-platform', { id: local.id });
    expect(byBody.status).toBe(204);
    expect(byBody.text).toBe('');
    const moonshot = await platformNamed('Moonshot CN');
    expect((await admin('delete', `/api/ai/admin/sys-platform?id=${moonshot.id}`)).status).toBe(204);
    expect((await platforms()).map((p) => p.name)).toEqual(['DeepSeek', 'MissingEnv', '阿里云百炼']);
  });

  it('never answered with a plaintext key', () => {
    expect(app.leaked(SECRETS)).toEqual([]);
  });
});
