import OpenAI from 'openai';
import type { DataSource } from 'typeorm';
import { ApiTokenEntity } from '../../src/llm-manager/api-tokens/api-token.entity';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

const HOUR_MS = 3_600_000;

describe('gateway token controls (expiry, allowed models, allowed IPs) with the official openai SDK', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;

  const clientOf = (token: string): OpenAI => new OpenAI({ apiKey: token, baseURL: gateway.url, maxRetries: 0 });
  const issue = async (controls: Parameters<ApiTokenService['issue']>[2]): Promise<{ id: number; token: string }> =>
    gateway.app.get(ApiTokenService).issue('alice', 'controlled', controls);
  const ask = (client: OpenAI, model: string): Promise<OpenAI.ChatCompletion> =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    gateway = await GatewayApp.start(upstream);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  it('allowedModels: /v1/models lists only them; another model is 403 in OpenAI shape, sent nowhere and not recorded', async () => {
    const { token } = await issue({ allowedModels: ['fast', 'Fake/thinking'] });
    const client = clientOf(token);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['fast', 'Fake/thinking']);
    const before = (await gateway.rows()).length;
    for (const model of ['main', 'Fake/chat']) {
      const refused = await ask(client, model).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(refused).toMatchObject({ status: 403, code: 'forbidden', type: 'invalid_request_error' });
      expect((refused as Error).message).toContain(`'${model}'`);
    }
    expect(upstream.chatRequests).toHaveLength(0);
    expect((await gateway.rows()).length).toBe(before);
    expect((await ask(client, 'fast')).choices[0].message.content).toBe('Echo: hi');
    expect((await gateway.rows()).length).toBe(before + 1);
  });

  it('expiresAt: valid before, 401 invalid_api_key saying when it expired after; nothing recorded', async () => {
    const valid = await issue({ expiresAt: new Date(Date.now() + HOUR_MS).toISOString() });
    expect((await ask(clientOf(valid.token), 'main')).choices[0].message.content).toBe('Echo: hi');
    // A second token, not yet verified (so not cached), moved into the past in the database.
    const later = await issue({ expiresAt: new Date(Date.now() + HOUR_MS).toISOString() });
    // Whole seconds, as every engine stores them.
    const expiredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const tokens = gateway.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(ApiTokenEntity);
    await tokens.update({ id: later.id }, { expiresAt: expiredAt });
    const before = (await gateway.rows()).length;
    const refused = await ask(clientOf(later.token), 'main').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(refused).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((refused as Error).message).toContain(`expired at ${expiredAt.toISOString()}`);
    expect(upstream.chatRequests).toHaveLength(1);
    expect((await gateway.rows()).length).toBe(before);
  });

  it('allowedIps: a client outside the list is 403 (also on /v1/models); inside it (127.0.0.1 here) passes', async () => {
    const outside = clientOf((await issue({ allowedIps: ['10.0.0.0/8', '2001:db8::/32'] })).token);
    for (const attempt of [() => outside.models.list(), () => ask(outside, 'main')]) {
      const refused = await attempt().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((refused as Error).message).toContain('allowedIps');
    }
    expect(upstream.chatRequests).toHaveLength(0);
    const inside = clientOf((await issue({ allowedIps: ['127.0.0.0/8'] })).token);
    expect((await ask(inside, 'main')).choices[0].message.content).toBe('Echo: hi');
  });

  it('issuing refuses a past expiry and an entry that is no IP or CIDR', async () => {
    await expect(issue({ expiresAt: new Date(Date.now() - HOUR_MS).toISOString() })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(issue({ allowedIps: ['localhost'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'allowedIps' } });
  });
});
