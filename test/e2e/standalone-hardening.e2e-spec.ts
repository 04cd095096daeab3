import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request, { type Response } from 'supertest';
import { createApp } from '../../src/app/create-app';
import { useNoNetworkGuard } from '../support/no-network';
import { createTestDatabase, testEngineName } from '../support/test-engine';

const REPO_YAML = join(__dirname, '..', '..', 'llm_mgr_cfg.yaml');
const quiet = { log: (): void => undefined, error: (): void => undefined, warn: (): void => undefined };
const WRONG = 'llmu_wrong-token-000000000000000000000000000000';

describe('standalone server: failed authentications are throttled per client, /docs is locked down', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-hardening-'));
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  const env = {
    LLM_MGR_AUTH_FAILURE_LIMIT: '3',
    LLM_MGR_AUTH_FAILURE_WINDOW_SECONDS: '120',
    ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }),
  };
  let app: INestApplication;
  let admin: string;

  const get = (path: string, token?: string): Promise<Response> => {
    const test = request(app.getHttpServer()).get(path);
    return token === undefined ? test : test.set('authorization', `Bearer ${token}`);
  };

  beforeAll(async () => {
    copyFileSync(REPO_YAML, join(dir, 'llm_mgr_cfg.yaml'));
    ({ app } = await createApp({ cwd: dir, env, logger: quiet }));
    await app.init();
    admin = /^LLM_MGR_ADMIN_TOKEN=(.+)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'))?.[1] ?? '';
  });
  afterAll(async () => {
    await app?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /docs with a CSP, X-Frame-Options and nosniff, and Swagger UI does not keep the token', async () => {
    for (const path of ['/docs', '/docs/swagger-ui-init.js', '/docs-json']) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    const init = (await get('/docs/swagger-ui-init.js')).text;
    expect(init).toMatch(/"persistAuthorization":\s*false/);
  });

  it('YAML mode refuses ill-formed text before the file is touched (it once bricked the next start-up)', async () => {
    const yaml = readFileSync(join(dir, 'llm_mgr_cfg.yaml'));
    for (const [method, path, body] of [
      ['post', '/api/ai/admin/yaml/platforms', { name: 'P\ud800', baseUrl: 'https://api.example.com/v1' }],
      ['post', '/api/ai/admin/yaml/platforms', { name: 'P\u0000', baseUrl: 'https://api.example.com/v1' }],
      ['post', '/api/ai/admin/yaml/platforms/DeepSeek/models', { displayName: 'm\udc00', modelName: 'm' }],
    ] as const) {
      const response = await request(app.getHttpServer())[method](path).set('authorization', `Bearer ${admin}`).send(body);
      expect({ path, status: response.status, code: (response.body as { code?: string }).code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(readFileSync(join(dir, 'llm_mgr_cfg.yaml')).equals(yaml)).toBe(true);
  });

  it('successful authentications are never counted', async () => {
    for (let i = 0; i < 12; i += 1) expect((await get('/api/ai/admin/tokens', admin)).status).toBe(200);
    expect((await get('/api/ai/admin/tokens', WRONG)).status).toBe(401);
  });

  it('after the limit of wrong tokens the client gets 429 AUTH_THROTTLED with Retry-After, whatever it sends', async () => {
    expect((await get('/api/ai/admin/tokens', WRONG)).status).toBe(401);
    expect((await get('/api/ai/user/platforms', WRONG)).status).toBe(401);
    for (const token of [WRONG, admin]) {
      const response = await get('/api/ai/admin/tokens', token);
      expect(response.status).toBe(429);
      expect(response.body).toMatchObject({ code: 'AUTH_THROTTLED', details: { retryAfterSeconds: expect.any(Number) } });
      const retryAfter = Number(response.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(100);
      expect(retryAfter).toBeLessThanOrEqual(120);
      expect(response.text).not.toContain(admin);
    }
  });

  it('requests without a token are not authentication attempts: still 401, and the health check still answers', async () => {
    expect((await get('/api/ai/admin/tokens')).status).toBe(401);
    expect((await get('/health')).status).toBe(200);
  });
});
