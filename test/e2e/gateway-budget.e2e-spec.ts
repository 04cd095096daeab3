import OpenAI from 'openai';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { budgetYaml, CALL_USAGE } from '../support/budget-yaml';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

describe('gateway: a hard budget refuses with 402 before anything leaves (issue 16)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream, { billedUsage: 'reported', budgetCompletionAllowance: 100 }, budgetYaml(upstream.url));
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('the second call past a budget that fits one: 402 insufficient budget in the OpenAI error shape, no request upstream, no row', async () => {
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    await gateway.app.get(LlmManagerService).setBudget({ userId: 'carol', limitUsd: 0.0015, period: 'week' });
    const client = new OpenAI({ apiKey: await gateway.tokenFor('carol'), baseURL: gateway.url, maxRetries: 0 });
    await client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] });
    await gateway.rows();

    const refused = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await gateway.tokenFor('carol')}` },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'again' }], stream: true }),
    });
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as { error: { message: string; code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'budget_exceeded', type: 'invalid_request_error' });
    expect(body.error.message).toMatch(/of \$0\.0015 this week/);
    expect(upstream.chatRequests).toHaveLength(1);
    expect((await gateway.rows()).filter((row) => row.userId === 'carol')).toHaveLength(1);
  });

  it('a budget of one API token holds back that token only', async () => {
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    const tokens = gateway.app.get(ApiTokenService);
    const spent = await tokens.issue('dave', 'spent');
    const other = await tokens.issue('dave', 'other');
    await gateway.app.get(LlmManagerService).setBudget({ userId: 'dave', tokenId: spent.id, limitUsd: 0, period: 'total' });
    const send = (token: string): Promise<Response> =>
      fetch(`${gateway.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
    const before = upstream.chatRequests.length;
    expect((await send(spent.token)).status).toBe(402);
    expect((await send(other.token)).status).toBe(200);
    expect(upstream.chatRequests.length - before).toBe(1);
  });
});
