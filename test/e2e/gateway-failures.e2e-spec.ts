import OpenAI from 'openai';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

interface OpenAiError {
  error: { message: string; type: string; code: string | null };
}

const LEAK = /\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|"stack"/;

describe('gateway failures: OpenAI error shape and status, one row per call that left', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { requestTimeoutMs: 2000 });
    token = await gateway.tokenFor('bob');
  });
  afterAll(async () => {
    expect(bodies.filter((body) => body.includes(SYSTEM_KEY) || body.includes(token))).toEqual([]);
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  const send = (body: unknown, signal?: AbortSignal, headers: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<Response> =>
    fetch(`${gateway.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });

  /** The usage rows written since `before` rows existed. */
  const rowsSince = async (before: number): Promise<Awaited<ReturnType<GatewayApp['rows']>>> => (await gateway.rows()).slice(before);

  async function post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: OpenAiError; headers: Headers }> {
    const response = await send(body, undefined, headers);
    const text = await response.text();
    bodies.push(text);
    expect(text).not.toMatch(LEAK);
    return { status: response.status, json: JSON.parse(text) as OpenAiError, headers: response.headers };
  }

  const chat = (model: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('no token, a wrong token, an admin-looking token and a revoked token: 401 invalid_api_key, nothing sent upstream', async () => {
    const revoked = await gateway.app.get(ApiTokenService).issue('bob', 'to revoke');
    await gateway.app.get(ApiTokenService).revoke(revoked.id);
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer llmu_not-a-real-token-000000000000000000' }, { authorization: 'Bearer sk-admin' }, { authorization: `Bearer ${revoked.token}` }];
    for (const headers of attempts) {
      const answer = await post(chat('main'), headers);
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('the openai SDK sees a wrong token as AuthenticationError', async () => {
    const client = new OpenAI({ apiKey: 'llmu_wrong', baseURL: gateway.url, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('an unknown slot or platform/model: 404 model_not_found, no row', async () => {
    const before = (await gateway.rows()).length;
    for (const model of ['nope', 'Fake/nope', 'Nope/chat', 'has space']) {
      const answer = await post(chat(model));
      expect(answer.status).toBe(404);
      expect(answer.json.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
    }
    expect(upstream.chatRequests).toHaveLength(0);
    expect(await gateway.rows()).toHaveLength(before);
  });

  it('a body without model or messages, or an oversized agent name: 400 in the same shape', async () => {
    for (const body of [{ messages: [{ role: 'user', content: 'x' }] }, { model: 'main' }, { model: 'main', messages: [] }]) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(answer.json.error).toMatchObject({ type: 'invalid_request_error', code: 'validation_failed' });
    }
    const long = await post(chat('main'), { authorization: `Bearer ${token}`, 'x-llm-agent': 'a'.repeat(101) });
    expect(long.status).toBe(400);
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it.each([
    [429, 'rate_limit_exceeded'],
    [500, null],
  ])('an upstream %i passes on with its status, body and Retry-After; one error row', async (status, code) => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ error: { status, message: `scripted ${status}`, retryAfterSeconds: 3 } });
    const answer = await post(chat('main'));
    expect(answer.status).toBe(status);
    expect(answer.json.error).toMatchObject({ message: `scripted ${status}`, code });
    expect(answer.headers.get('retry-after')).toBe('3');
    const rows = await rowsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', success: false, totalTokens: 0 });
    // The request log's columns (issue 19): the code, and what the upstream said.
    expect(rows[0]).toMatchObject({ errorCode: status === 429 ? 'UPSTREAM_RATE_LIMITED' : 'UPSTREAM_ERROR', usageKey: 'main' });
    expect(rows[0]!.errorDetail).toMatch(new RegExp(`^HTTP ${status}: .*scripted ${status}`));
  });

  it('an upstream error that quotes the platform key: the row keeps its text with the key masked', async () => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ error: { status: 400, message: `Key ${SYSTEM_KEY} may not use this model.` } });
    expect((await post(chat('main'))).status).toBe(400);
    const [row] = await rowsSince(before);
    expect(row).toMatchObject({ errorCode: 'UPSTREAM_ERROR' });
    expect(row!.errorDetail).toContain('may not use this model');
    expect(row!.errorDetail).toContain('sk-…');
    expect(row!.errorDetail).not.toContain(SYSTEM_KEY);
  });

  it('an upstream 429 on a stream request: the SDK gets RateLimitError before any chunk', async () => {
    upstream.enqueue({ error: { status: 429 } });
    const client = new OpenAI({ apiKey: token, baseURL: gateway.url, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'x' }], stream: true })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('an upstream that drops the stream mid-way: the client gets an error event, the row says error', async () => {
    const before = (await gateway.rows()).length;
    const client = new OpenAI({ apiKey: token, baseURL: gateway.url, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'Fake/cut', messages: [{ role: 'user', content: 'a long answer please' }], stream: true });
    const read = async (): Promise<void> => {
      for await (const _chunk of stream) void _chunk;
    };
    await expect(read()).rejects.toThrow(/broke off its answer/);
    const rows = await rowsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', success: false });
    expect(rows[0]).toMatchObject({ errorCode: 'UPSTREAM_ERROR', errorDetail: expect.stringMatching(/broke off its answer/) });
  });

  it('a platform that sends no status line within requestTimeoutMs: 502 upstream_error in OpenAI shape, one error row', async () => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ firstByteDelayMs: 5000 });
    const answer = await post(chat('main'));
    // requestTimeoutMs is 2 s here: the status line never came.
    expect(answer.status).toBe(502);
    expect(answer.json.error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
    expect(answer.json.error.message).toMatch(/2000 ms/);
    const rows = await rowsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', success: false });
    expect(rows[0]).toMatchObject({ errorCode: 'UPSTREAM_TIMEOUT', errorDetail: expect.stringMatching(/2000 ms/) });
  });

  it('a client that aborts mid-stream: exactly one aborted row, and the upstream request is cancelled', async () => {
    const before = (await gateway.rows()).length;
    const controller = new AbortController();
    const response = await send(chat('Fake/slow', { stream: true }), controller.signal);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: /);
    controller.abort();
    await upstream.settled();
    await gateway.idle();
    expect(upstream.chatRequests[0].outcome).toBe('client-disconnected');
    const rows = await rowsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'aborted', success: true });
  });

  it('a client that aborts a non-stream call while it waits: one aborted row', async () => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ firstByteDelayMs: 1500 });
    const controller = new AbortController();
    const pending = send(chat('main'), controller.signal);
    await upstream.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await upstream.settled();
    await gateway.idle();
    const rows = await rowsSince(before);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'aborted' });
  });
});
