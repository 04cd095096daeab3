import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

/**
 * A keyless platform (a local Ollama or vLLM, `Spare` in upstreamYaml) gets no Authorization header from the gateway:
 * LangChain's client needs a placeholder key, the gateway's own requests do not, and a placeholder sent upstream is a
 * key an operator never configured (some endpoints reject it, proxies log it).
 */
describe('gateway to a keyless platform', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    gateway = await GatewayApp.start(upstream);
    token = await gateway.tokenFor('kim');
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  it.each([false, true])('sends no Authorization header (stream: %s); a keyed platform still gets its key', async (stream) => {
    const keyless = await gateway.chat(token, 'Spare/spare-chat', { stream });
    expect(keyless.status).toBe(200);
    await keyless.text();
    const keyed = await gateway.chat(token, 'main', { stream });
    expect(keyed.status).toBe(200);
    await keyed.text();
    expect(upstream.chatRequests.map((r) => r.authorization)).toEqual([undefined, `Bearer ${SYSTEM_KEY}`]);
  });

  it('embeddings too', async () => {
    const answer = await fetch(`${gateway.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'Spare/spare-chat', input: 'hi' }),
    });
    expect(answer.status).toBe(200);
    const sent = upstream.requests.filter((r) => r.path.endsWith('/embeddings'));
    expect(sent.map((r) => r.authorization)).toEqual([undefined]);
  });
});
