import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import { createApp } from '../../src/app/create-app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN = 'llma_explicit-admin-token-for-body-limits-0123456789';
const MB = 1024 * 1024;

describe('standalone server: the gateway (/v1) reads large JSON bodies (the admin API keeps 100 kB) and shares the failed-auth throttle', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-body-limit-'));
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  let upstream: FakeUpstream;
  let app: INestApplication;
  let token: string;

  const chat = (content: string): request.Test =>
    request(app.getHttpServer())
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${token}`)
      .send({ model: 'main', messages: [{ role: 'user', content }] });

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
    const env = {
      LLM_MGR_ADMIN_TOKEN: ADMIN,
      [SYSTEM_KEY_ENV]: SYSTEM_KEY,
      LLM_AUTO_KEY: 'true',
      LLM_ALLOW_PRIVATE_BASE_URLS: 'true',
      // 2 MB instead of the default 16, so a body over the gateway's limit stays cheap to send.
      LLM_MGR_GATEWAY_BODY_LIMIT_MB: '2',
      LLM_MGR_AUTH_FAILURE_LIMIT: '3',
      ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }),
    };
    ({ app } = await createApp({ cwd: dir, env, logger: { log: () => {}, error: () => {}, warn: () => {} } }));
    await app.init();
    const issued = await request(app.getHttpServer()).post('/api/ai/admin/tokens').set('authorization', `Bearer ${ADMIN}`).send({ userId: 'alice', name: 'big bodies' });
    token = (issued.body as { token: string }).token;
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 1 MB chat body passes on /v1 and reaches the upstream whole', async () => {
    const content = 'a'.repeat(MB);
    const answer = await chat(content);
    expect(answer.status).toBe(200);
    expect(upstream.chatRequests).toHaveLength(1);
    const sent = upstream.chatRequests[0].body?.['messages'] as Array<{ content: string }>;
    expect(sent[0].content).toHaveLength(MB);
  });

  it('over the gateway limit: 413 in OpenAI shape, nothing sent upstream', async () => {
    upstream.reset();
    const answer = await chat('a'.repeat(3 * MB));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'payload_too_large' } });
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('a 1 MB body to an admin route is refused 413 (100 kB there)', async () => {
    const answer = await request(app.getHttpServer())
      .post('/api/ai/admin/tokens')
      .set('authorization', `Bearer ${ADMIN}`)
      .send({ userId: 'alice', name: 'x'.repeat(MB) });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    // And a small admin body still parses (the gateway's parser did not take the place of Nest's).
    const small = await request(app.getHttpServer()).post('/api/ai/admin/tokens').set('authorization', `Bearer ${ADMIN}`).send({ userId: 'bob', name: 'small' });
    expect(small.status).toBe(201);
  });

  // Last: it leaves this client throttled.
  it('wrong tokens on /v1 count toward the throttle; past the limit /v1 and the REST API answer 429 with Retry-After', async () => {
    const models = (bearer?: string): request.Test => {
      const test = request(app.getHttpServer()).get('/v1/models');
      return bearer === undefined ? test : test.set('authorization', `Bearer ${bearer}`);
    };
    // No token is no attempt.
    for (let i = 0; i < 4; i += 1) expect((await models()).status).toBe(401);
    expect((await models(token)).status).toBe(200);
    for (let i = 0; i < 3; i += 1) {
      const wrong = await models('llmu_wrong-token-000000000000000000000000000000');
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ error: { code: 'invalid_api_key' } });
    }
    const throttled = await models(token);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ error: { type: 'rate_limit_error', code: 'auth_throttled' } });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    const rest = await request(app.getHttpServer()).get('/api/ai/user-selection').set('authorization', `Bearer ${token}`);
    expect(rest.status).toBe(429);
    expect(rest.body).toMatchObject({ code: 'AUTH_THROTTLED' });
  });
});
