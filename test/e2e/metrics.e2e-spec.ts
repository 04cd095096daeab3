import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import { createApp } from '../../src/app/create-app';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN = 'llma_metrics-admin-token-0000000000000000000000';
const METRICS = 'metrics-scraper-token-0000000000000000000000';
const QUIET = { log: (): void => {}, error: (): void => {}, warn: (): void => {} };

/** The value of one sample line of a Prometheus text page (`name{labels} value`), or undefined when absent. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = page.split('\n').find((l) => {
    if (!l.startsWith(`${name}{`) && !l.startsWith(`${name} `)) return false;
    const inner = /\{(.*)\}/.exec(l)?.[1]?.split(',') ?? [];
    return wanted.every((pair) => inner.includes(pair));
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** GET /metrics of the standalone server: who may read it, and that calls of every kind are counted. */
describe('Prometheus metrics (standalone server)', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-metrics-'));
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  let upstream: FakeUpstream;
  let app: INestApplication;
  let userToken: string;

  const get = (path: string, token?: string) => {
    const test = request(app.getHttpServer()).get(path);
    return token === undefined ? test : test.set('authorization', `Bearer ${token}`);
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    // A priced model for the cost; one the upstream refuses for the errors by code.
    const models = '      chat: fake-chat\n      priced: { model_name: fake-chat, input_price: 0, output_price: 10 }\n      rejected: fake-error-401\n      limited: fake-error-429\n';
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url).replace('      chat: fake-chat\n', models));
    const env = {
      LLM_MGR_ADMIN_TOKEN: ADMIN, LLM_MGR_METRICS_TOKEN: METRICS, LLM_MGR_DATABASE_URL: database.url,
      LLM_KEY: 'metrics-master-key-0123456789-abcdefghijklmn', [SYSTEM_KEY_ENV]: SYSTEM_KEY, LLM_AUTO_KEY: 'true',
    };
    ({ app } = await createApp({ cwd: dir, env, logger: QUIET }));
    await app.init();
    userToken = (await request(app.getHttpServer()).post('/api/ai/admin/tokens').set('authorization', `Bearer ${ADMIN}`)
      .send({ userId: 'mia', name: 'mia ci' })).body.token;
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the metrics token and the admin token; 401 without a token, 403 for a user token', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'not-a-token-at-all-000000000000000000')).status).toBe(401);
    expect((await get('/metrics', userToken)).status).toBe(403);
    const scraped = await get('/metrics', METRICS);
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect((await get('/metrics', ADMIN)).status).toBe(200);
  });

  it('the metrics token opens nothing else', async () => {
    expect((await get('/api/ai/admin/sys-platforms', METRICS)).status).toBe(401);
    expect((await get('/health')).status).toBe(200);
  });

  it('counts calls, tokens, time to first token, overhead and refusals, from the library and the gateway', async () => {
    const llm = app.get(LlmManagerService);
    await (await llm.getSpecSysLlm('Fake', 'chat')).invoke('count me');
    for await (const _chunk of await (await llm.getSpecSysLlm('Fake', 'chat')).stream('and me, streamed')) {
      // drain
    }
    await expect(llm.getUserLlm('nokey', { usageKey: 'no-such-slot' })).rejects.toMatchObject({ code: 'USAGE_SLOT_NOT_FOUND' });
    const viaGateway = await request(app.getHttpServer()).post('/v1/chat/completions').set('authorization', `Bearer ${userToken}`)
      .send({ model: 'Fake/chat', messages: [{ role: 'user', content: 'and the gateway' }] });
    expect(viaGateway.status).toBe(200);
    const page = (await get('/metrics', METRICS)).text;
    const chat = { platform: 'Fake', model: 'chat' };

    // Library calls (invoke + stream) and the gateway's.
    const okCalls = sample(page, 'llm_mgr_calls_total', { ...chat, outcome: 'ok' });
    expect(okCalls).toBe(3);
    expect(sample(page, 'llm_mgr_tokens_total', { ...chat, kind: 'prompt' })).toBeGreaterThan(0);
    expect(sample(page, 'llm_mgr_tokens_total', { ...chat, kind: 'completion' })).toBeGreaterThan(0);
    expect(sample(page, 'llm_mgr_time_to_first_token_seconds_count', chat)).toBe(okCalls);
    expect(sample(page, 'llm_mgr_call_duration_seconds_count', { ...chat, outcome: 'ok' })).toBe(okCalls);
    expect(sample(page, 'llm_mgr_refusals_total', { code: 'USAGE_SLOT_NOT_FOUND' })).toBe(1);
    expect(sample(page, 'llm_mgr_get_model_seconds_count', { result: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sample(page, 'llm_mgr_usage_writer_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(sample(page, 'llm_mgr_usage_rows_dropped')).toBe(0);
    // No user id is a label: the series stay bounded by the configuration.
    expect(page).not.toContain('mia');
    expect(page).not.toContain('nokey');
  });

  it('counts cost in USD by model, failed calls by error code, and budget refusals (issue 17)', async () => {
    const llm = app.get(LlmManagerService);
    const priced = { platform: 'Fake', model: 'priced' };
    await (await llm.getSpecSysLlm('Fake', 'priced')).invoke('what does this cost');
    await app.get(CallRecorder).drain();
    await app.get(UsageWriter).flush();
    const { spentUsd } = await llm.getSpend(SYSTEM_USER_ID);
    expect(spentUsd).toBeGreaterThan(0);

    await expect((await llm.getSpecSysLlm('Fake', 'rejected')).invoke('no')).rejects.toMatchObject({ code: 'UPSTREAM_KEY_REJECTED' });
    const limited = await request(app.getHttpServer()).post('/v1/chat/completions').set('authorization', `Bearer ${userToken}`)
      .send({ model: 'Fake/limited', messages: [{ role: 'user', content: 'too many' }] });
    expect(limited.status).toBe(429);
    await llm.setBudget({ userId: SYSTEM_USER_ID, limitUsd: 0, period: 'day' });
    await expect((await llm.getSpecSysLlm('Fake', 'priced')).invoke('over budget')).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });

    const page = (await get('/metrics', METRICS)).text;
    expect(sample(page, 'llm_mgr_cost_usd_total', priced)).toBeCloseTo(spentUsd, 9);
    expect(sample(page, 'llm_mgr_cost_usd_total', { platform: 'Fake', model: 'chat' })).toBeUndefined();
    expect(sample(page, 'llm_mgr_errors_total', { platform: 'Fake', model: 'rejected', code: 'UPSTREAM_KEY_REJECTED' })).toBeGreaterThanOrEqual(1);
    // The gateway's retry loop tried it 1 + maxRetries (2) times: each attempt is a failed call.
    expect(sample(page, 'llm_mgr_errors_total', { platform: 'Fake', model: 'limited', code: 'UPSTREAM_RATE_LIMITED' })).toBe(3);
    expect(sample(page, 'llm_mgr_errors_total', { ...priced, code: 'BUDGET_EXCEEDED' })).toBe(1);
    expect(sample(page, 'llm_mgr_refusals_total', { code: 'BUDGET_EXCEEDED' })).toBe(1);
  });
});
