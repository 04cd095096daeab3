import { request } from 'node:http';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

describe('gateway: a client that stops reading a stream', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { abandonedStreamMs: 200 });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('holds the upstream back, then after abandonedStreamMs records one abandoned row and stops the call', async () => {
    const token = await gateway.tokenFor('heidi');
    // Megabytes of answer: far more than the sockets' buffers, so a client that stops reading pushes back.
    upstream.enqueue({ reply: 'x'.repeat(8_000_000), chunkCount: 2000 });
    const paused = new Promise<void>((resolve, reject) => {
      const req = request(`${gateway.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        res.once('data', () => {
          res.pause();
          resolve();
        });
      });
      req.end(JSON.stringify({ model: 'main', stream: true, messages: [{ role: 'user', content: 'a lot' }] }));
    });
    await paused;
    await upstream.settled();
    await gateway.idle();
    // Whether the fake had written its last byte into the sockets' buffers by then depends on the kernel; the row does not.
    expect(['completed', 'client-disconnected']).toContain(upstream.chatRequests[0].outcome);
    const rows = await gateway.rows();
    expect(rows.map((r) => [r.userId, r.outcome])).toEqual([['heidi', 'abandoned']]);
  });
});
