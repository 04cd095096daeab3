import { KeyCooldowns } from '../../src/llm-manager/cooldowns/key-cooldowns';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

/** Issue 18: the gateway walks a slot's chain as getUserLlm() would try it now, cooled-down keys left out. */
describe('gateway: cooldowns', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;
  let manager: LlmManagerService;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    gateway = await GatewayApp.start(upstream, { cooldown: { allowedFails: 1, cooldownMs: 60_000 } });
    token = await gateway.tokenFor('bob');
    manager = gateway.app.get(LlmManagerService);
    const platforms = await manager.listPlatforms('bob');
    const id = (platform: string, model: string): { platformId: number; modelId: number } => {
      const found = platforms.find((p) => p.name === platform)!;
      return { platformId: found.id, modelId: found.models.find((m) => m.displayName === model)!.id };
    };
    await manager.createUserUsageSlot('bob', 'sturdy', { ...id('Fake', 'chat'), fallbacks: [id('Spare', 'spare-chat')] });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('a platform key cooled down by a failing call is skipped: the request goes straight to the fallback', async () => {
    upstream.enqueue({ error: { status: 500 } });
    expect((await (await manager.getUserLlm('bob', { usageKey: 'sturdy' })).invoke('hi')).content).toBe('Echo: hi');
    await gateway.app.get(KeyCooldowns).idle();
    upstream.reset();

    const response = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'sturdy', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    // One request, without Fake's system key: it went to Spare (keyless), Fake was not called.
    expect(upstream.chatRequests).toHaveLength(1);
    expect(upstream.chatRequests.map((r) => r.headers['authorization'])).not.toContain(`Bearer ${SYSTEM_KEY}`);
  });

  it('a 400 relayed through the cooling key (a platform/model request) does not end its cooldown', async () => {
    upstream.reset();
    upstream.enqueue({ error: { status: 400 } });
    const named = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'Fake/chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(named.status).toBe(400);
    await gateway.app.get(KeyCooldowns).idle();
    upstream.reset();
    const slot = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'sturdy', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(slot.status).toBe(200);
    expect(upstream.chatRequests.map((r) => r.headers['authorization'])).not.toContain(`Bearer ${SYSTEM_KEY}`);
  });

  it('embeddings on that slot still go to its own model, never to a chat fallback, while the key cools down', async () => {
    upstream.reset();
    const response = await fetch(`${gateway.url}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'sturdy', input: ['one text'] }),
    });
    expect(response.status).toBe(200);
    expect(upstream.embeddingsRequests.map((r) => r.headers['authorization'])).toEqual([`Bearer ${SYSTEM_KEY}`]);
    expect(upstream.chatRequests).toHaveLength(0);
  });
});

describe('gateway: its own failures cool a key down', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let token: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    gateway = await GatewayApp.start(upstream, { cooldown: { allowedFails: 1, cooldownMs: 60_000 }, maxRetries: 0 });
    token = await gateway.tokenFor('carol');
    const manager = gateway.app.get(LlmManagerService);
    const platforms = await manager.listPlatforms('carol');
    const id = (platform: string, model: string): { platformId: number; modelId: number } => {
      const found = platforms.find((p) => p.name === platform)!;
      return { platformId: found.id, modelId: found.models.find((m) => m.displayName === model)!.id };
    };
    await manager.createUserUsageSlot('carol', 'sturdy', { ...id('Fake', 'chat'), fallbacks: [id('Spare', 'spare-chat')] });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const ask = (): Promise<Response> =>
    fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'sturdy', messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('a 500 answered to a gateway request counts: the next request skips that key', async () => {
    upstream.enqueue({ error: { status: 500 } });
    expect((await ask()).status).toBe(200); // Fake's 500, then Spare
    expect(upstream.chatRequests.map((r) => r.headers['authorization'])).toContain(`Bearer ${SYSTEM_KEY}`);
    await gateway.app.get(KeyCooldowns).idle();
    upstream.reset();

    expect((await ask()).status).toBe(200);
    expect(upstream.chatRequests).toHaveLength(1);
    expect(upstream.chatRequests.map((r) => r.headers['authorization'])).not.toContain(`Bearer ${SYSTEM_KEY}`);
  });
});
