import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { GatewayApp } from './gateway-app';
import { startStallingUpstream } from './gateway-stalling-upstream';

const TIMEOUT_MS = 600;
const GAP_MS = 200;

/**
 * requestTimeoutMs on the gateway: a non-stream call is bounded as a whole (status line to last byte); a stream until
 * its status line and then between chunks (idle), so a stream that keeps coming is never cut and one that stalls is.
 */
describe('gateway: requestTimeoutMs bounds a whole call, and a stream between chunks', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let stalling: Awaited<ReturnType<typeof startStallingUpstream>>;
  let gateway: GatewayApp;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    stalling = await startStallingUpstream(GAP_MS);
    gateway = await GatewayApp.start(upstream, { requestTimeoutMs: TIMEOUT_MS }, `
platforms:
  Slow:
    base_url: ${stalling.url}
    models: { stall-json: stall-json, trickle-json: trickle-json, stall-stream: stall-stream, trickle-stream: trickle-stream }
usages:
  main: { platform: Slow, model: trickle-stream }
`);
    token = await gateway.tokenFor('tim');
  });
  afterAll(async () => {
    await gateway?.close();
    await stalling?.close();
    await upstream?.close();
  });

  const send = (model: string, stream: boolean): Promise<Response> => gateway.chat(token, `Slow/${model}`, { stream });
  const newRows = async (before: number): Promise<Awaited<ReturnType<GatewayApp['rows']>>> => {
    await gateway.idle();
    return (await gateway.rows()).slice(before);
  };
  const waitFor = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it.each([
    ['stalls mid-body', 'stall-json'],
    ['trickles its body for longer than requestTimeoutMs, with short gaps', 'trickle-json'],
  ])('a non-stream answer that %s: 502 upstream_error saying so, one error row, the upstream request cancelled', async (_case, model) => {
    const before = (await gateway.rows()).length;
    const cancelled = stalling.cancelled();
    const answer = await send(model, false);
    expect(answer.status).toBe(502);
    const body = (await answer.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'upstream_error', message: expect.stringContaining(`did not finish its answer within ${TIMEOUT_MS} ms (requestTimeoutMs)`) });
    expect((await newRows(before)).map((r) => [r.outcome, r.success])).toEqual([['error', false]]);
    await waitFor(() => stalling.cancelled() === cancelled + 1);
  });

  it('a stream that stalls after two chunks: the client gets them, then an error event, and the stream ends; one error row', async () => {
    const before = (await gateway.rows()).length;
    const cancelled = stalling.cancelled();
    const answer = await send('stall-stream', true);
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).toContain('"content":"one "');
    expect(text).toContain('"content":"two "');
    expect(text).toContain(`sent nothing more of its stream within ${TIMEOUT_MS} ms (requestTimeoutMs)`);
    expect(text).toContain('"code":"upstream_error"');
    expect((await newRows(before)).map((r) => [r.outcome, r.success])).toEqual([['error', false]]);
    await waitFor(() => stalling.cancelled() === cancelled + 1);
  });

  it('a stream that keeps coming for longer than requestTimeoutMs, each gap shorter: passed on whole, one ok row', async () => {
    const before = (await gateway.rows()).length;
    const started = Date.now();
    const answer = await send('trickle-stream', true);
    const text = await answer.text();
    expect(Date.now() - started).toBeGreaterThan(TIMEOUT_MS);
    expect(answer.status).toBe(200);
    expect(text).toContain('"content":"part5 "');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((await newRows(before)).map((r) => r.outcome)).toEqual(['ok']);
  });
});

describe('gateway: idle upstream sockets', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    gateway = await GatewayApp.start(upstream);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("are closed before the upstream's announced keep-alive timeout (Node's 5 s), so no request lands on a socket it is closing", async () => {
    const token = await gateway.tokenFor('kim');
    const answer = await gateway.chat(token, 'main');
    expect(answer.status).toBe(200);
    await answer.text();
    expect(upstream.openConnections).toBe(1);
    // The fake (a Node server) closes an idle socket after 5 s; the gateway lets its socket go 1 s before that.
    await new Promise((resolve) => setTimeout(resolve, 4_400));
    expect(upstream.openConnections).toBe(0);
  });
});
