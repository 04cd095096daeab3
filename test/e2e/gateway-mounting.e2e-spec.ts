import { ConsoleLogger, type INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import { createApp } from '../../src/app/create-app';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { useNoNetworkGuard } from '../support/no-network';
import { HttpApp } from './http-app';

/** The standalone server's log is not what these tests are about. */
class SilentLogger extends ConsoleLogger {
  protected override printMessages(): void {}
}

const REPO_YAML = join(__dirname, '..', '..', 'llm_mgr_cfg.yaml');

describe('where the gateway is mounted', () => {
  useNoNetworkGuard();

  it('a host app without `gateway: true` has no /v1 routes', async () => {
    const http = await HttpApp.start();
    try {
      for (const [method, path] of [['post', '/v1/chat/completions'], ['get', '/v1/models']] as const) {
        expect((await request(http.app.getHttpServer())[method](path).set('authorization', 'Bearer llmu_x')).status).toBe(404);
      }
    } finally {
      await http.close();
    }
  });

  describe('the standalone server mounts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-gateway-'));
    const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
    const env = {
      DEEPSEEK_API_KEY: 'sk-test-deepseek-0000111122223333',
      LLM_ALLOW_PRIVATE_BASE_URLS: 'true',
      ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }),
    };
    let app: INestApplication;
    let admin: string;

    beforeAll(async () => {
      copyFileSync(REPO_YAML, join(dir, 'llm_mgr_cfg.yaml'));
      ({ app } = await createApp({ cwd: dir, env, logger: new SilentLogger() }));
      await app.init();
      admin = /^LLM_MGR_ADMIN_TOKEN=(.+)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'))?.[1] ?? '';
    });
    afterAll(async () => {
      await app?.close();
      database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const as = (token: string) => ({
      get: (path: string) => request(app.getHttpServer()).get(path).set('authorization', `Bearer ${token}`),
      post: (path: string, body: object) => request(app.getHttpServer()).post(path).set('authorization', `Bearer ${token}`).send(body),
    });

    it("lists each user's own platforms to that user only; the admin token does not open the gateway", async () => {
      const issue = async (userId: string): Promise<string> => ((await as(admin).post('/api/ai/admin/tokens', { userId, name: 'gw' })).body as { token: string }).token;
      const alice = await issue('alice');
      const bob = await issue('bob');
      const created = await as(alice).post('/api/ai/user/platforms', {
        name: 'Alice own',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKey: 'sk-alice-own-0000111122223333',
        models: [{ displayName: 'm1', modelName: 'upstream-m1' }],
      });
      expect(created.status).toBe(201);

      const aliceModels = await as(alice).get('/v1/models');
      expect(aliceModels.status).toBe(200);
      const ids = (aliceModels.body as { data: { id: string }[] }).data.map((m) => m.id);
      expect(ids).toContain('Alice own/m1');
      // The shipped YAML binds the slots to keyed system platforms whose keys are not set here: not callable, not listed.
      expect(ids).not.toContain('main');
      const main = await as(alice).post('/v1/chat/completions', { model: 'main', messages: [{ role: 'user', content: 'x' }] });
      expect(main.body).toMatchObject({ error: { code: 'api_key_missing' } });
      const bobIds = ((await as(bob).get('/v1/models')).body as { data: { id: string }[] }).data.map((m) => m.id);
      expect(bobIds).not.toContain('Alice own/m1');
      expect((await as(bob).post('/v1/chat/completions', { model: 'Alice own/m1', messages: [{ role: 'user', content: 'x' }] })).status).toBe(404);

      const refused = await as(admin).get('/v1/models');
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: 'invalid_api_key' } });

      // Nothing listens on port 9: 502 in OpenAI's shape, and the platform key never shows.
      const unreachable = await as(alice).post('/v1/chat/completions', { model: 'Alice own/m1', messages: [{ role: 'user', content: 'x' }] });
      expect(unreachable.status).toBe(502);
      expect(unreachable.body).toMatchObject({ error: { type: 'server_error', code: 'upstream_error' } });
      expect(unreachable.text).not.toContain('sk-alice-own');
      const usage = await as(alice).get('/api/ai/user/usage');
      // The retry loop's default two retries (maxRetries) before the 502: three attempts, three rows.
      expect(usage.body).toMatchObject({ requests: 3, errors: 3 });
    });

    it('errors before routing on /v1 answer in OpenAI\'s shape; a body over the REST API\'s 100 kB is read there', async () => {
      const malformed = await request(app.getHttpServer()).post('/v1/chat/completions').set('content-type', 'application/json').send('{"model":');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ error: { message: expect.stringContaining('not valid JSON'), type: 'invalid_request_error', param: null, code: 'validation_failed' } });
      const huge = await request(app.getHttpServer())
        .post('/v1/chat/completions')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'x'.repeat(200_000) }] }));
      // The gateway reads up to LLM_MGR_GATEWAY_BODY_LIMIT_MB (16): this body gets as far as the token check. Over
      // that limit: 413 in OpenAI's shape (standalone-gateway.e2e-spec.ts).
      expect(huge.status).toBe(401);
      expect(huge.body).toMatchObject({ error: { code: 'invalid_api_key' } });
      // The REST API keeps its own shape.
      const rest = await request(app.getHttpServer()).post('/api/ai/user-selection').set('content-type', 'application/json').send('{"x":');
      expect(rest.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });
});

