import type { LookupAddress } from 'node:dns';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { HostResolver } from '../../src/llm-manager/security/url-guard';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { GatewayApp } from './gateway-app';

const USER_KEY = 'sk-user-own-platform-0000111122223333';

describe("gateway and B8: a user's own platform goes through the guarded fetch", () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let rebindCalls = 0;
  // Public when the platform is saved, loopback when the gateway connects (DNS rebinding).
  const resolver = {
    lookup: async (hostname: string): Promise<LookupAddress[]> => {
      if (hostname === 'rebind.public.test') return [{ address: ++rebindCalls === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    },
  } as HostResolver;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    gateway = await GatewayApp.start(upstream, { allowPrivateBaseUrls: false }, undefined, resolver);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('refuses a slot bound to a host that turned loopback: 400 url_not_allowed, one error row, nothing sent', async () => {
    const manager = gateway.app.get(LlmManagerService);
    const own = await manager.addPlatform('erin', { name: 'Mine', baseUrl: `http://rebind.public.test:${upstream.port}/v1`, apiKey: USER_KEY }, [
      { displayName: 'mine', modelName: 'fake-chat' },
    ]);
    await manager.updateUserSelection('erin', 'main', { platformId: own.id, modelId: own.models[0].id });
    const token = await gateway.tokenFor('erin');
    const before = (await gateway.rows()).length;
    for (const model of ['main', 'Mine/mine']) {
      const response = await fetch(`${gateway.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ error: { type: 'invalid_request_error', code: 'url_not_allowed' } });
      expect(text).not.toContain(USER_KEY);
    }
    expect(upstream.requests).toHaveLength(0);
    const rows = (await gateway.rows()).slice(before);
    expect(rows.map((r) => [r.userId, r.outcome])).toEqual([['erin', 'error'], ['erin', 'error']]);
  });
});
