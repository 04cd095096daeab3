import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

/** `GET /v1/models` lists only what the caller can call: platforms whose key resolves for the user, and the token's allowed models. */
describe('gateway: /v1/models lists what the caller may use', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;

  const models = async (token: string): Promise<string[]> => {
    const response = await fetch(`${gateway.url}/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  };
  const chat = (token: string, model: string): Promise<Response> => gateway.chat(token, model);

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    // autoKey off: a user calls the keyed system platform `Fake` only with a key of their own; `Spare` needs none.
    gateway = await GatewayApp.start(upstream, { autoKey: false });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('without a key of their own, the keyed system platform and the slots bound to it are not listed (and indeed refused)', async () => {
    const token = await gateway.tokenFor('carol');
    expect(await models(token)).toEqual(['Spare/spare-chat']);
    const refused = await chat(token, 'Fake/chat');
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it("once the user saved a key for it, the platform's models and the slots bound to it are listed", async () => {
    const manager = gateway.app.get(LlmManagerService);
    const fake = (await manager.listPlatforms('dave')).find((p) => p.name === 'Fake')!;
    await manager.setUserPlatformKey('dave', fake.id, SYSTEM_KEY);
    const token = await gateway.tokenFor('dave');
    const ids = await models(token);
    expect(ids.slice(0, 3)).toEqual(['main', 'fast', 'reason']);
    expect(ids).toEqual(expect.arrayContaining(['Fake/chat', 'Fake/thinking', 'Spare/spare-chat']));
    expect((await chat(token, 'Fake/chat')).status).toBe(200);
  });

  it("the token's allowed models narrow the list further; an allowed model on a platform the user cannot call is still left out", async () => {
    const { token } = await gateway.app.get(ApiTokenService).issue('erin', 'narrow', { allowedModels: ['Fake/chat', 'Spare/spare-chat', 'main'] });
    expect(await models(token)).toEqual(['Spare/spare-chat']);
  });
});
