import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

/**
 * Issue 18 on the gateway: the project's one retry loop (maxRetries, retryBackoff, Retry-After) runs before any byte
 * reaches the client, then the slot's fallback chain; every attempt is a usage row numbered in order.
 */
describe('gateway: retries before the first byte, with the retry loop of getUserLlm()', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { maxRetries: 2, requestTimeoutMs: 1_000, retryBackoff: { baseDelayMs: 20, maxDelayMs: 40, retryAfterMaxMs: 5_000 } });
    token = await gateway.tokenFor('rita');
    await gateway.slotWithFallbacks('rita', 'sturdy', 'chat', ['thinking']);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  const send = ({ model = 'main', ...extra }: Record<string, unknown>): Promise<Response> => gateway.chat(token, String(model), extra);
  const newRows = async (before: number): Promise<Array<[boolean, number, string | null]>> => {
    await gateway.idle();
    const rows = (await gateway.rows()).slice(before);
    // The call id each attempt replaced, as the index of that attempt's row.
    return rows.map((r) => [r.success, r.attempt, r.fallbackFrom === null ? null : String(rows.findIndex((x) => x.callId === r.fallbackFrom))]);
  };

  it.each([false, true])('a 429 with Retry-After is retried after exactly that wait, on the same model (stream: %s)', async (stream) => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ error: { status: 429, retryAfterSeconds: 1 } });
    const started = Date.now();
    const response = await send({ stream });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(stream ? 'data: [DONE]' : 'Echo: hi');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-chat']);
    expect(await newRows(before)).toEqual([[false, 1, null], [true, 2, '0']]);
  });

  it('a 500 is retried after the back-off, then answered; each attempt a row', async () => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ error: { status: 500 } }, { error: { status: 503 } });
    const response = await send({});
    expect(response.status).toBe(200);
    expect(upstream.chatRequests).toHaveLength(3);
    expect(await newRows(before)).toEqual([[false, 1, null], [false, 2, '0'], [true, 3, '1']]);
  });

  it("retries spent on a slot's model, its fallback takes over; the last attempt's status and Retry-After reach the client", async () => {
    const before = (await gateway.rows()).length;
    upstream.scriptModel('fake-chat', { error: { status: 500 } });
    expect((await send({ model: 'sturdy' })).status).toBe(200);
    expect(upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-chat', 'fake-chat', 'fake-reasoning']);
    expect((await newRows(before)).map(([success, attempt]) => [success, attempt])).toEqual([[false, 1], [false, 2], [false, 3], [true, 4]]);

    upstream.reset();
    upstream.scriptModel('fake-chat', { error: { status: 429, retryAfterSeconds: 0 } });
    const refused = await send({});
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('0');
    expect(upstream.chatRequests).toHaveLength(3);
  });

  it('an upstream that sends no status line within requestTimeoutMs is retried like an unreachable one', async () => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ firstByteDelayMs: 3_000 });
    const response = await send({});
    expect(response.status).toBe(200);
    expect(upstream.chatRequests).toHaveLength(2);
    expect(await newRows(before)).toEqual([[false, 1, null], [true, 2, '0']]);
  });

  it('embeddings: a 500 is retried the same way; each attempt a row', async () => {
    const before = (await gateway.rows()).length;
    upstream.enqueue({ error: { status: 500 } });
    const response = await fetch(`${gateway.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'main', input: 'hello' }),
    });
    expect(response.status).toBe(200);
    expect(upstream.embeddingsRequests).toHaveLength(2);
    expect(await newRows(before)).toEqual([[false, 1, null], [true, 2, '0']]);
  });

  it('a Retry-After longer than retryAfterMaxMs is not waited for: answered at once; a 400 is never retried', async () => {
    upstream.enqueue({ error: { status: 429, retryAfterSeconds: 60 } });
    const started = Date.now();
    const refused = await send({});
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(upstream.chatRequests).toHaveLength(1);

    upstream.reset();
    upstream.enqueue({ error: { status: 400 } });
    expect((await send({})).status).toBe(400);
    expect(upstream.chatRequests).toHaveLength(1);
  });
});
