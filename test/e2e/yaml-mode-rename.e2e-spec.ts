import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import { createApp } from '../../src/app/create-app';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { useNoNetworkGuard } from '../support/no-network';

const ADMIN = 'llma_yaml-rename-admin-token-00000000000000000';
const LLM_KEY = 'yaml-rename-master-key-0123456789-abcdefghij';
const QUIET = { log: (): void => {}, error: (): void => {}, warn: (): void => {} };
const USER_KEY = 'sk-carol-own-key-for-north-0000111122';
const YAML = `
platforms:
  North:
    base_url: https://north.example/v1
    models: { n1: north-1 }
  South:
    base_url: https://south.example/v1
    models: { s1: south-1 }
usages:
  main: { platform: North, model: n1 }
  fast: { platform: North, model: n1 }
  reason: { platform: South, model: s1 }
`;

/**
 * A platform renamed in the console's YAML mode is the same platform after the next start (or a reset from the YAML):
 * one row, its id, users' keys and slots kept — not the new name added beside the old one.
 */
describe('YAML mode: a renamed platform keeps its row across a restart and a reset', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-yaml-rename-'));
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  const env = { LLM_MGR_ADMIN_TOKEN: ADMIN, LLM_KEY, LLM_MGR_DATABASE_URL: database.url };
  let app: INestApplication | undefined;

  async function start(): Promise<INestApplication> {
    await app?.close();
    ({ app } = await createApp({ cwd: dir, env, logger: QUIET }));
    await app.init();
    return app;
  }
  const admin = (method: 'get' | 'put' | 'post', path: string, body?: object) =>
    request(app!.getHttpServer())[method](path).set('authorization', `Bearer ${ADMIN}`).send(body);
  const systemPlatforms = async () =>
    ((await admin('get', '/api/ai/admin/sys-platforms')).body as { id: number; name: string }[]).map(({ id, name }) => ({ id, name }));

  const carolsKeyPlatforms = async () =>
    (await app!.get(UserPlatformService).listUserPlatformKeys('carol')).map((key) => key.platformId);

  beforeAll(() => writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), YAML));
  afterAll(async () => {
    await app?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renames the row on the next start: same id, the user key and slot still on it', async () => {
    await start();
    const [north] = await systemPlatforms();
    const llm = app!.get(LlmManagerService);
    await llm.setUserPlatformKey('carol', north!.id, USER_KEY);
    expect((await llm.getUserSelection('carol', 'main')).platform_id).toBe(north!.id);

    const renamed = await admin('put', `/api/ai/admin/yaml/platforms/North`, { name: 'Boreal' });
    expect(renamed.status).toBe(200);
    // Two renames before a restart collapse into one: North → Boreal → Arctic.
    expect((await admin('put', `/api/ai/admin/yaml/platforms/Boreal`, { name: 'Arctic' })).status).toBe(200);
    await start();

    expect(await systemPlatforms()).toEqual([{ id: north!.id, name: 'Arctic' }, expect.objectContaining({ name: 'South' })]);
    expect(await carolsKeyPlatforms()).toEqual([north!.id]);
    expect((await app!.get(LlmManagerService).getUserSelection('carol', 'main')).platform_name).toBe('Arctic');
  });

  it('renames the row in a reset from the YAML too, so the reset keeps the users\' keys for it', async () => {
    const [arctic] = await systemPlatforms();
    expect((await admin('put', `/api/ai/admin/yaml/platforms/Arctic`, { name: 'Polar' })).status).toBe(200);
    const reset = await admin('post', '/api/ai/admin/reload-from-yaml');
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ renamed: ['Arctic → Polar'], removed: [] });
    expect((await systemPlatforms())[0]).toEqual({ id: arctic!.id, name: 'Polar' });
    expect(await carolsKeyPlatforms()).toEqual([arctic!.id]);
  });

  it('a start after the rename was applied changes nothing more', async () => {
    await start();
    expect((await systemPlatforms()).map((p) => p.name)).toEqual(['Polar', 'South']);
  });
});
