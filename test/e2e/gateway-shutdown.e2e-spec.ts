import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

describe('gateway calls in flight at shutdown: drained, or cut and recorded as aborted', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
  });
  afterAll(() => upstream?.close());
  afterEach(() => upstream.reset());

  const send = (gateway: GatewayApp, token: string, body: Record<string, unknown>): Promise<Response> =>
    fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'shutdown' }], ...body }),
    });

  it('a stream that ends within shutdownDrainMs is served to the end: one ok row', async () => {
    const gateway = await GatewayApp.start(upstream, { shutdownDrainMs: 10_000 });
    const token = await gateway.tokenFor('frank');
    const response = await send(gateway, token, { model: 'Fake/slow', stream: true });
    const reader = response.body!.getReader();
    await reader.read();
    const rows = gateway.closeAndReadRows();
    let text = '';
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += new TextDecoder().decode(part.value);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((await rows).map((r) => [r.userId, r.outcome])).toEqual([['frank', 'ok']]);
  });

  it('a call still waiting past shutdownDrainMs: the client gets 503 shutting_down, the row says aborted', async () => {
    const gateway = await GatewayApp.start(upstream, { shutdownDrainMs: 100 });
    const token = await gateway.tokenFor('grace');
    upstream.enqueue({ firstByteDelayMs: 10_000 });
    const pending = send(gateway, token, { model: 'main' });
    await upstream.waitForRequests(1);
    const rows = await gateway.closeAndReadRows();
    const response = await pending;
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { type: 'server_error', code: 'shutting_down' } });
    expect(rows.map((r) => [r.userId, r.outcome])).toEqual([['grace', 'aborted']]);
  });
});
