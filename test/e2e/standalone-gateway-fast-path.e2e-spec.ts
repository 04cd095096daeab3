import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import type { NextFunction, Request, Response } from 'express';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app';
import { ApiTokenEntity } from '../../src/llm-manager/api-tokens/api-token.entity';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN = 'llma_explicit-admin-token-for-the-fast-path-0123456789';
const MB = 1024 * 1024;
const HOUR_MS = 3_600_000;
const CHAT = '/v1/chat/completions';
// The same route spelled with a trailing slash: Express matches it, the fast path leaves it alone. It is the
// controller path (Express, body parsers, Nest guard and filter) on the same server, to compare answers with.
const CHAT_VIA_EXPRESS = '/v1/chat/completions/';

describe('standalone server: the gateway\'s fast path (bare node:http in front of Express) answers as the controller path', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-fast-path-'));
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  /** Paths that reached Express's middleware stack. */
  const reachedExpress: string[] = [];
  let upstream: FakeUpstream;
  let app: INestApplication;
  let token: string;

  const issue = (controls: Parameters<ApiTokenService['issue']>[2] = {}): Promise<{ id: number; token: string }> =>
    app.get(ApiTokenService).issue('alice', 'fast path', controls);
  const post = (path: string, bearer: string | null, body: string, contentType = 'application/json'): request.Test => {
    const test = request(app.getHttpServer()).post(path).set('content-type', contentType);
    return (bearer === null ? test : test.set('authorization', `Bearer ${bearer}`)).send(body);
  };
  const chatBody = (content = 'hi'): string => JSON.stringify({ model: 'main', messages: [{ role: 'user', content }] });

  /** Sends the same request both ways; both answers must agree, and are returned for the caller's expectations. */
  const bothWays = async (bearer: string | null, body: string): Promise<request.Response> => {
    const fast = await post(CHAT, bearer, body);
    const viaExpress = await post(CHAT_VIA_EXPRESS, bearer, body);
    expect({ status: fast.status, body: fast.body, retryAfter: fast.headers['retry-after'] }).toEqual({
      status: viaExpress.status,
      body: viaExpress.body,
      retryAfter: viaExpress.headers['retry-after'],
    });
    expect(fast.headers['content-type']).toBe(viaExpress.headers['content-type']);
    // Neither path says what the server runs on.
    expect([fast.headers['x-powered-by'], viaExpress.headers['x-powered-by']]).toEqual([undefined, undefined]);
    return fast;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
    const env = {
      LLM_MGR_ADMIN_TOKEN: ADMIN,
      [SYSTEM_KEY_ENV]: SYSTEM_KEY,
      LLM_AUTO_KEY: 'true',
      LLM_ALLOW_PRIVATE_BASE_URLS: 'true',
      LLM_MGR_GATEWAY_BODY_LIMIT_MB: '1',
      // Wrong tokens are sent on purpose below; the throttle has its own spec (standalone-gateway).
      LLM_MGR_AUTH_FAILURE_LIMIT: '0',
      ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }),
    };
    ({ app } = await createApp({ cwd: dir, env, logger: { log: () => {}, error: () => {}, warn: () => {} } }));
    app.use((req: Request, _res: Response, next: NextFunction) => {
      reachedExpress.push(req.url);
      next();
    });
    await app.init();
    ({ token } = await issue());
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    reachedExpress.length = 0;
    upstream.reset();
  });

  it('chat, embeddings and models never reach Express; other spellings and paths still do', async () => {
    const chat = await post(CHAT, token, chatBody());
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ choices: [{ message: { content: 'Echo: hi' } }] });
    const embeddings = await post('/v1/embeddings', token, JSON.stringify({ model: 'main', input: 'hi' }));
    expect(embeddings.status).toBe(200);
    const models = await request(app.getHttpServer()).get('/v1/models?limit=1').set('authorization', `Bearer ${token}`);
    expect(models.status).toBe(200);
    expect(models.body).toMatchObject({ object: 'list' });
    expect(reachedExpress).toEqual([]);

    expect((await post(CHAT_VIA_EXPRESS, token, chatBody())).status).toBe(200);
    expect((await request(app.getHttpServer()).get('/health')).status).toBe(200);
    expect((await request(app.getHttpServer()).get('/v1/nothing').set('authorization', `Bearer ${token}`)).status).toBe(404);
    expect(reachedExpress).toEqual([CHAT_VIA_EXPRESS, '/health', '/v1/nothing']);
  });

  it('GET /v1/models: the ETag Express gives it, and 304 for a client that names it, on both paths', async () => {
    const models = (path: string, headers: Record<string, string> = {}): request.Test =>
      request(app.getHttpServer()).get(path).set({ authorization: `Bearer ${token}`, ...headers });
    const fast = await models('/v1/models');
    const viaExpress = await models('/v1/models/');
    expect(fast.status).toBe(200);
    expect(fast.headers['etag']).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    expect(fast.headers['etag']).toBe(viaExpress.headers['etag']);
    const tag = fast.headers['etag'] as string;
    for (const path of ['/v1/models', '/v1/models/']) {
      const cached = await models(path, { 'if-none-match': `"other", ${tag}` });
      expect({ path, status: cached.status, body: cached.text, etag: cached.headers['etag'] }).toEqual({ path, status: 304, body: '', etag: tag });
      // A strong spelling of the same tag matches too (weak comparison); `no-cache` asks for the list again.
      expect((await models(path, { 'if-none-match': tag.slice(2) })).status).toBe(304);
      expect((await models(path, { 'if-none-match': tag, 'cache-control': 'no-cache' })).status).toBe(200);
      expect((await models(path, { 'if-none-match': '"stale"' })).status).toBe(200);
      // The `fresh` package's own reading, spelling by spelling: a doubled W/ matches, a tab is not a separator.
      expect((await models(path, { 'if-none-match': `W/${tag}` })).status).toBe(304);
      expect((await models(path, { 'if-none-match': `"x",\t${tag}` })).status).toBe(200);
    }
    expect(reachedExpress).toEqual(Array(7).fill('/v1/models/'));
  });

  it('a stream is relayed as SSE', async () => {
    const body = JSON.stringify({ model: 'main', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const answer = await post(CHAT, token, body);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('text/event-stream');
    expect(answer.text).toContain('data: [DONE]');
    expect(reachedExpress).toEqual([]);
  });

  it('a malformed JSON body: 400 validation_failed, as before', async () => {
    const answer = await bothWays(token, '{"model":');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: {
        message: 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.',
        type: 'invalid_request_error',
        param: null,
        code: 'validation_failed',
      },
    });
  });

  it('no JSON object (an array, an empty body, another content type): 400 naming what to send; a form body as before', async () => {
    expect((await bothWays(token, '[1]')).body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('Send a JSON object') } });
    expect((await bothWays(token, '')).body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('model:') } });
    const plain = await post(CHAT, token, chatBody(), 'text/plain');
    expect(plain.status).toBe(400);
    expect(plain.body).toEqual((await post(CHAT_VIA_EXPRESS, token, chatBody(), 'text/plain')).body);
    // A form body reads as Nest's form parser reads it on the controller path (it even makes a chat request).
    const form = 'model=main&messages[0][role]=user&messages[0][content]=hi';
    const replyTo = async (path: string): Promise<unknown> => {
      const answer = await post(path, token, form, 'application/x-www-form-urlencoded');
      return { status: answer.status, choices: (answer.body as { choices?: unknown }).choices };
    };
    expect(await replyTo(CHAT)).toEqual(await replyTo(CHAT_VIA_EXPRESS));
  });

  it('a body over the gateway limit: 413 payload_too_large, nothing sent upstream', async () => {
    const answer = await bothWays(token, chatBody('a'.repeat(1.2 * MB)));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'payload_too_large', message: 'The request body is too large (limit 1 MB).' } });
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('a body in a charset or encoding the parser cannot read: 400 validation_failed on both paths, not a 500', async () => {
    for (const [header, value] of [['content-type', 'application/json; charset=latin1'], ['content-encoding', 'x-foo']] as const) {
      const answers = await Promise.all(
        [CHAT, CHAT_VIA_EXPRESS].map((path) => post(path, token, chatBody()).set(header, value)),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('UTF-8 JSON') } });
      }
    }
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('no token, a wrong one, an expired one: 401 invalid_api_key; an address outside allowedIps: 403 forbidden', async () => {
    const missing = await bothWays(null, chatBody());
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining('Authorization: Bearer') } });

    const wrong = await bothWays('llmu_wrong-token-000000000000000000000000000000', chatBody());
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining('unknown or revoked') } });

    const expiring = await issue({ expiresAt: new Date(Date.now() + HOUR_MS).toISOString() });
    const expiredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    await app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(ApiTokenEntity).update({ id: expiring.id }, { expiresAt: expiredAt });
    const expired = await bothWays(expiring.token, chatBody());
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining(`expired at ${expiredAt.toISOString()}`) } });

    const elsewhere = await issue({ allowedIps: ['10.0.0.0/8'] });
    const refused = await bothWays(elsewhere.token, chatBody());
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'forbidden', message: expect.stringContaining('allowedIps') } });
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('a model the token may not use, an unknown one, a bad X-LLM-Agent: the same errors both ways', async () => {
    const limited = await issue({ allowedModels: ['fast'] });
    expect((await bothWays(limited.token, chatBody())).body).toMatchObject({ error: { code: 'forbidden' } });
    const unknown = JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] });
    expect((await bothWays(token, unknown)).status).toBe(404);
    const agent = await post(CHAT, token, chatBody()).set('x-llm-agent', ' ');
    expect(agent.status).toBe(400);
    expect(agent.body).toEqual((await post(CHAT_VIA_EXPRESS, token, chatBody()).set('x-llm-agent', ' ')).body);
  });
});
