import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

/** Issue 18: a slot named as the gateway's `model` falls back along its chain as getUserLlm() does. */
describe('gateway: fallback chains of slots', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { requestTimeoutMs: 2000 });
    token = await gateway.tokenFor('bob');
    await gateway.slotWithFallbacks('bob', 'sturdy', 'chat', ['thinking']);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  const send = (body: Record<string, unknown>): Promise<Response> => gateway.chat(token, 'sturdy', body);

  it.each([false, true])('a 429 of the slot model goes to its fallback (stream: %s); both attempts are rows, the second from the first', async (stream) => {
    const before = (await gateway.rows()).length;
    upstream.scriptModel('fake-chat', { error: { status: 429, retryAfterSeconds: 3 } });
    const response = await send({ stream });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(stream ? 'data: [DONE]' : 'Echo: hi');
    expect(upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat', 'fake-reasoning']);
    await gateway.idle();
    const rows = (await gateway.rows()).slice(before);
    expect(rows.map((r) => [r.success, r.attempt, r.fallbackFrom])).toEqual([
      [false, 1, null],
      [true, 2, rows[0]!.callId],
    ]);
  });

  it('the last model of the chain failing answers its own status and Retry-After; a 400 never falls back', async () => {
    upstream.scriptModel('fake-chat', { error: { status: 503 } });
    upstream.scriptModel('fake-reasoning', { error: { status: 429, retryAfterSeconds: 9 } });
    const failed = await send({});
    expect(failed.status).toBe(429);
    expect(failed.headers.get('retry-after')).toBe('9');
    expect(upstream.chatRequests).toHaveLength(2);

    upstream.reset();
    upstream.scriptModel('fake-chat', { error: { status: 400 } });
    expect((await send({})).status).toBe(400);
    expect(upstream.chatRequests.map((r) => r.body?.model)).toEqual(['fake-chat']);
  });
});
