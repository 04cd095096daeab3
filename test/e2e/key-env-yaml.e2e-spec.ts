import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request, { type Response } from 'supertest';
import { createApp } from '../../src/app/create-app';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { createTestDatabase, testEngineName, type TestDatabase } from '../support/test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const quiet = { log: (): void => undefined, error: (): void => undefined, warn: (): void => undefined };
const MASTER_KEY = 'llm-key-of-the-manager-must-never-leave-0123456789';

/** The YAML doors to `{ENV}` placeholders: the file at start-up, and YAML mode's edits, probe and base_url changes. */
describe('YAML: {ENV} keys never name llm-mgr secrets; a key only goes to its own base_url', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let attacker: FakeUpstream;
  let dir: string;
  let database: TestDatabase;
  let app: INestApplication | undefined;
  let admin: string;

  const env = (): Record<string, string> => ({
    LLM_KEY: MASTER_KEY,
    [SYSTEM_KEY_ENV]: SYSTEM_KEY,
    ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }),
  });
  const start = async (yaml: string): Promise<INestApplication> => {
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), yaml);
    const created = await createApp({ cwd: dir, env: env(), logger: quiet });
    await created.app.init();
    admin = /^LLM_MGR_ADMIN_TOKEN=(.+)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'))?.[1] ?? '';
    return created.app;
  };
  const call = (method: 'post' | 'put', path: string, body: object): Promise<Response> =>
    request(app!.getHttpServer())[method](path).set('authorization', `Bearer ${admin}`).send(body);
  const yamlText = (): string => readFileSync(join(dir, 'llm_mgr_cfg.yaml'), 'utf8');

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY, models: ['fake-chat'] });
    attacker = await startFakeUpstream({ models: ['fake-chat'] });
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-key-env-'));
    database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  });
  afterAll(async () => {
    await app?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
    await upstream.close();
    await attacker.close();
  });

  it("refuses to start on a YAML whose api_key is '{LLM_KEY}', naming the file, platform and variable", async () => {
    const yaml = upstreamYaml(upstream.url).replace(`'{${SYSTEM_KEY_ENV}}'`, "'{LLM_KEY}'");
    const failure = await start(yaml).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LlmManagerError);
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID', details: { platform: 'Fake', variable: 'LLM_KEY' } });
    expect((failure as Error).message).toContain('llm_mgr_cfg.yaml');
    expect((failure as Error).message).not.toContain(MASTER_KEY);
  });

  describe('YAML mode', () => {
    beforeAll(async () => {
      app = await start(upstreamYaml(upstream.url));
    });

    it('refuses an {ENV} key naming LLM_KEY or a variable outside the allow pattern; the file is untouched', async () => {
      const before = yamlText();
      for (const variable of ['LLM_KEY', 'LLM_MGR_ADMIN_TOKEN', 'DATABASE_PASSWORD']) {
        const response = await call('post', '/api/ai/admin/yaml/platforms/Fake/api-key', { mode: 'env', apiKeyEnv: variable });
        expect({ variable, status: response.status, code: response.body.code }).toEqual({ variable, status: 400, code: 'VALIDATION_FAILED' });
        expect(response.body.message).toContain(variable);
      }
      expect(yamlText()).toBe(before);
    });

    it('refuses to move a platform with a key to another base_url; one without a key moves', async () => {
      const before = yamlText();
      const moved = await call('put', '/api/ai/admin/yaml/platforms/Fake', { baseUrl: attacker.url });
      expect(moved.status).toBe(400);
      expect(moved.body.message).toContain('never sent to another address');
      expect(yamlText()).toBe(before);
      // Spare has no key: it moves.
      expect((await call('put', '/api/ai/admin/yaml/platforms/Spare', { baseUrl: attacker.url })).status).toBe(200);
    });

    it("probes another URL without the platform's own key", async () => {
      const probed = await call('post', '/api/ai/admin/yaml/platforms/Fake/probe', { baseUrl: attacker.url });
      expect(probed.status).toBe(200);
      expect(attacker.requests.map((r) => r.authorization)).not.toContain(`Bearer ${SYSTEM_KEY}`);
      expect(JSON.stringify(attacker.requests)).not.toContain(SYSTEM_KEY);
      const own = await call('post', '/api/ai/admin/yaml/platforms/Fake/probe', {});
      expect(own.body).toEqual({ models: ['fake-chat'] });
    });
  });
});
