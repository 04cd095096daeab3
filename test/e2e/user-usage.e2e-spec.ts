import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { NO_TOKEN_DETAILS } from '../support/usage-rows';
import { useNoNetworkGuard } from '../support/no-network';
import { SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { expectCleanError, expectValidationError, HttpApp } from './http-app';

const USAGE = '/api/ai/user/usage';
const A = 'alice';
const B = 'bob';
const KEY = 'sk-usage-upstream-key-0000111122223333';

interface Totals {
  tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  requests: number;
  errors: number;
}
interface ModelRow extends Totals {
  model_id: number | null;
  model_name: string | null;
  platform_name: string | null;
}
interface AgentRow extends Totals {
  agent_name: string | null;
}
interface Point {
  time: string;
  tokens: number;
  requests: number;
  errors: number;
}
interface Platform {
  id: number;
  name: string;
  models: { id: number; displayName: string }[];
}

const ZERO = { tokens: 0, prompt_tokens: 0, completion_tokens: 0, requests: 0, errors: 0, ...NO_TOKEN_DETAILS };

describe("user usage routes (M15, M16): the caller's own calls only", () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: KEY });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: KEY }, autoKey: true });
    const fake = ((await http.get('/api/ai/user/platforms', A)).body as Platform[]).find((p) => p.name === 'Fake')!;
    const id = (name: string): number => fake.models.find((m) => m.displayName === name)!.id;
    // Alice: two good calls and one failure through the test route (agent llm-mgr:test), one call as agent_muse.
    for (const model of ['chat', 'chat', 'broken']) {
      await http.post('/api/ai/user/test-model', A, { platformId: fake.id, modelId: id(model) });
    }
    const llm = await http.app.get(LlmManagerService).getUserLlm(A, { agentName: 'agent_muse' });
    await llm.invoke('Hello there');
  });
  afterAll(async () => {
    expect(http.leaked([KEY])).toEqual([]);
    await http.close();
    await upstream.close();
  });

  it('refuses every route without an identity (401)', async () => {
    for (const path of [USAGE, `${USAGE}/by-model`, `${USAGE}/by-agent`, `${USAGE}/timeline`]) {
      expectCleanError(await http.get(path), 401, 'UNAUTHENTICATED');
    }
  });

  it('summary: totals of the caller, all time by default, narrowed by since', async () => {
    const response = await http.get(USAGE, A);
    expect(response.status).toBe(200);
    const totals = response.body as Totals;
    expect(totals).toMatchObject({ requests: 4, errors: 1 });
    expect(totals.tokens).toBeGreaterThan(0);
    expect(totals.tokens).toBe(totals.prompt_tokens + totals.completion_tokens);
    expect((await http.get(`${USAGE}?since=24h`, A)).body).toEqual(totals);
    expect((await http.get(`${USAGE}?since=90m`, A)).body).toEqual(totals);
    expect((await http.get(`${USAGE}?since=2000-01-01`, A)).body).toEqual(totals);
    expect((await http.get(`${USAGE}?since=2999-01-01T00:00:00Z`, A)).body).toEqual(ZERO);
  });

  it('by-model and by-agent split the same calls', async () => {
    const models = (await http.get(`${USAGE}/by-model?since=7d`, A)).body as ModelRow[];
    expect(models.map((m) => [m.platform_name, m.model_name, m.requests, m.errors]).sort()).toEqual([
      ['Fake', 'broken', 1, 1],
      ['Fake', 'chat', 3, 0],
    ]);
    const agents = (await http.get(`${USAGE}/by-agent`, A)).body as AgentRow[];
    expect(agents.map((a) => [a.agent_name, a.requests]).sort()).toEqual([
      ['agent_muse', 1],
      ['llm-mgr:test', 3],
    ]);
  });

  it('timeline: hourly buckets of the last 24 h by default, daily on request, gaps as zeros', async () => {
    const hourly = (await http.get(`${USAGE}/timeline`, A)).body as Point[];
    expect(hourly.length).toBeGreaterThanOrEqual(24);
    expect(hourly[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00$/);
    expect(hourly.reduce((sum, p) => sum + p.requests, 0)).toBe(4);
    const daily = (await http.get(`${USAGE}/timeline?granularity=day&since=7d`, A)).body as Point[];
    expect(daily.length).toBeGreaterThanOrEqual(7);
    expect(daily.every((p) => /^\d{4}-\d{2}-\d{2}$/.test(p.time))).toBe(true);
    expect([daily.reduce((sum, p) => sum + p.requests, 0), daily.reduce((sum, p) => sum + p.errors, 0)]).toEqual([4, 1]);
  });

  it("B sees only B's usage: zeros and empty lists", async () => {
    expect((await http.get(USAGE, B)).body).toEqual(ZERO);
    expect((await http.get(`${USAGE}/by-model`, B)).body).toEqual([]);
    expect((await http.get(`${USAGE}/by-agent`, B)).body).toEqual([]);
    const timeline = (await http.get(`${USAGE}/timeline?granularity=day&since=2d`, B)).body as Point[];
    expect(timeline.every((p) => p.requests === 0 && p.tokens === 0)).toBe(true);
  });

  it.each([
    ['since=yesterday', 'since'],
    ['since=24x', 'since'],
    ['since=0h', 'since'],
    ['since=-1d', 'since'],
    ['since=2026-13-40', 'since'],
    ['since=2026-02-30', 'since'],
    ['since=1d&since=2d', 'since'],
    ['userId=bob', 'userId'],
  ])('every usage route refuses ?%s (400 VALIDATION_FAILED)', async (query, field) => {
    for (const path of [USAGE, `${USAGE}/by-model`, `${USAGE}/by-agent`, `${USAGE}/timeline`]) {
      expectValidationError(await http.get(`${path}?${query}`, A), field);
    }
  });

  it('timeline refuses an unknown granularity, and a range of too many buckets', async () => {
    expectValidationError(await http.get(`${USAGE}/timeline?granularity=week`, A), 'granularity');
    expectValidationError(await http.get(`${USAGE}/timeline?granularity=hour&since=2000-01-01`, A), 'granularity');
  });
});
