import type { Response } from 'supertest';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { RateLimitView } from '../../src/llm-manager/rate-limits/rate-limit.types';
import { budgetYaml, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { awayFromMinuteEnd } from '../support/mid-minute-clock';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';
import { expectCleanError, expectValidationError, HttpApp, type Method } from './http-app';

describe('rate limits through the admin API (issue 18)', () => {
  useNoNetworkGuard();
  let app: HttpApp;

  beforeEach(async () => {
    app = await HttpApp.start(undefined, { defaultUserRateLimit: { rpm: 60, tpm: 100000 } });
  });
  afterEach(() => app.close());
  const admin = (method: Method, path: string, body?: unknown): Promise<Response> => app.call(method, path, { as: 'root', admin: true, body });

  it('an admin sets, replaces, lists and deletes limits of a user and a slot; others get 403; bad input changes nothing', async () => {
    const set = await admin('put', '/api/ai/admin/rate-limits', { userId: 'alice', rpm: 10, concurrent: 2 });
    expect(set.status).toBe(200);
    const first = set.body as RateLimitView;
    expect(first).toMatchObject({ scope: 'user', userId: 'alice', usageKey: null, tokenId: null, rpm: 10, tpm: null, concurrent: 2 });
    const replaced = await admin('put', '/api/ai/admin/rate-limits', { userId: 'alice', tpm: 5000 });
    expect(replaced.body).toMatchObject({ id: first.id, rpm: null, tpm: 5000, concurrent: null });
    await admin('put', '/api/ai/admin/rate-limits', { userId: 'alice', usageKey: 'fast', rpm: 3 });
    await admin('put', '/api/ai/admin/rate-limits', { userId: 'bob', rpm: 1 });

    const all = await admin('get', '/api/ai/admin/rate-limits');
    expect(all.body).toMatchObject({ backend: 'database', defaultUser: { rpm: 60, tpm: 100000, concurrent: null } });
    expect((all.body as { limits: RateLimitView[] }).limits.map((l) => [l.scope, l.userId, l.usageKey])).toEqual([
      ['user', 'alice', null],
      ['slot', 'alice', 'fast'],
      ['user', 'bob', null],
    ]);
    expect(((await admin('get', '/api/ai/admin/rate-limits?userId=alice')).body as { limits: unknown[] }).limits).toHaveLength(2);

    expectCleanError(await app.call('put', '/api/ai/admin/rate-limits', { as: 'alice', body: { userId: 'alice', rpm: 1000 } }), 403);
    // Each user reads their own: alice her two, carol none of her own (the default applies to her).
    const mine = await app.get('/api/ai/user/rate-limits', 'alice');
    expect((mine.body as { limits: RateLimitView[] }).limits.map((l) => [l.scope, l.usageKey])).toEqual([['user', null], ['slot', 'fast']]);
    expect((await app.get('/api/ai/user/rate-limits', 'carol')).body).toMatchObject({ defaultUser: { rpm: 60 }, limits: [] });
    expectValidationError(await admin('put', '/api/ai/admin/rate-limits', { userId: 'alice', rpm: 0 }), 'rpm');
    expectValidationError(await admin('put', '/api/ai/admin/rate-limits', { userId: 'alice', tpm: 1.5 }), 'tpm');
    expectValidationError(await admin('put', '/api/ai/admin/rate-limits', { userId: 'alice', tokenId: 1e308 }), 'tokenId');
    expectCleanError(await admin('put', '/api/ai/admin/rate-limits', { rpm: 5 }), 400, 'VALIDATION_FAILED');
    expectCleanError(await admin('put', '/api/ai/admin/rate-limits', { tokenId: 777, rpm: 5 }), 404, 'NOT_FOUND');

    expect((await admin('delete', `/api/ai/admin/rate-limits/${first.id}`)).status).toBe(204);
    expectCleanError(await admin('delete', `/api/ai/admin/rate-limits/${first.id}`), 404, 'NOT_FOUND');
    expectValidationError(await admin('delete', '/api/ai/admin/rate-limits/99999999999'), 'id');
    expect(((await admin('get', '/api/ai/admin/rate-limits')).body as { limits: unknown[] }).limits).toHaveLength(2);
  });
});

describe('gateway: a call past a rate limit is 429 rate_limit_exceeded with Retry-After, before anything leaves (issue 18)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { billedUsage: 'reported' }, budgetYaml(upstream.url));
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('one call at a time for an API token: the second while the first runs is refused in OpenAI\'s shape; the other token goes', async () => {
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE, firstByteDelayMs: 600 });
    const tokens = gateway.app.get(ApiTokenService);
    const limited = await tokens.issue('erin', 'limited');
    const other = await tokens.issue('erin', 'other');
    const put = await gateway.app.get(LlmManagerService).setRateLimit({ tokenId: limited.id, concurrent: 1 });
    expect(put).toMatchObject({ scope: 'token', tokenId: limited.id, concurrent: 1 });
    const send = (token: string, stream = false): Promise<globalThis.Response> =>
      fetch(`${gateway.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }], stream }),
      });

    const first = send(limited.token);
    await upstream.waitForRequests(1);
    const refused = await send(limited.token, true);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    // OpenAI has no header for calls at once: Retry-After alone says when.
    expect([...refused.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    const body = (await refused.json()) as { error: { message: string; code: string; type: string; param: null } };
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error', param: null });
    expect(body.error.message).toMatch(new RegExp(`^Rate limit reached for API token ${limited.id}: 1 calls at once`));
    expect((await send(other.token)).status).toBe(200);
    expect((await first).status).toBe(200);
    expect(upstream.chatRequests).toHaveLength(2);
    const rows = await gateway.rows();
    expect(rows.filter((row) => row.userId === 'erin')).toHaveLength(2);

    // Its place is free again once the first call ended.
    expect((await send(limited.token)).status).toBe(200);
  });
  it("a request or token limit's 429 carries OpenAI's x-ratelimit-* headers: the limit, what is left, when it starts again", async () => {
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    const tokens = gateway.app.get(ApiTokenService);
    const manager = gateway.app.get(LlmManagerService);
    const chat = (token: string): Promise<globalThis.Response> =>
      fetch(`${gateway.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
    const limitHeaders = (answer: globalThis.Response): Record<string, string> =>
      Object.fromEntries([...answer.headers].filter(([name]) => name.startsWith('x-ratelimit') || name === 'retry-after'));

    // The window is the clock's minute (the gateway runs on the real clock): the calls below must all fall in one.
    await awayFromMinuteEnd();
    const perMinute = await tokens.issue('fay', 'two a minute');
    await manager.setRateLimit({ tokenId: perMinute.id, rpm: 2 });
    expect((await chat(perMinute.token)).status).toBe(200);
    expect((await chat(perMinute.token)).status).toBe(200);
    const third = await chat(perMinute.token);
    expect(third.status).toBe(429);
    const wait = third.headers.get('retry-after')!;
    expect(limitHeaders(third)).toEqual({
      'retry-after': wait,
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${wait}s`,
    });

    // One call's reported usage (103 tokens) fills most of 110 tokens a minute; the next call's prompt does not fit.
    const tokenBound = await tokens.issue('fay', 'tokens a minute');
    await manager.setRateLimit({ tokenId: tokenBound.id, tpm: 110 });
    expect((await chat(tokenBound.token)).status).toBe(200);
    await gateway.rows();
    const refused = await chat(tokenBound.token);
    expect(refused.status).toBe(429);
    const tokensWait = refused.headers.get('retry-after')!;
    expect(limitHeaders(refused)).toEqual({
      'retry-after': tokensWait,
      'x-ratelimit-limit-tokens': '110',
      'x-ratelimit-remaining-tokens': '7',
      'x-ratelimit-reset-tokens': `${tokensWait}s`,
    });
  });
});
