import type { DataSource } from 'typeorm';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { RequestLogService } from '../../src/llm-manager';
import type { RequestLogEntry, RequestLogPage } from '../../src/llm-manager/usage/request-log.types';
import type { ModelUsage, TopUsers } from '../../src/llm-manager/usage/usage-query.types';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { QueryRecorder } from '../support/query-recorder';
import { testEngineName } from '../support/test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';
import { usageRow } from '../support/usage-rows';
import { expectCleanError, expectValidationError, HttpApp } from '../e2e/http-app';

const BASE = '/api/ai/admin/usage';
/** A key the manager never held, quoted back by an upstream: masked by its shape. */
const FOREIGN_KEY = 'sk-proj-foreignKey0123456789abcdefABCDEF';
const T0 = Date.UTC(2026, 0, 10, 12);
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

interface Platform {
  id: number;
  name: string;
  models: { id: number; displayName: string }[];
}

describe('request log, all-users reports and CSV export (issue 19)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let http: HttpApp;
  let fake: Platform;
  let writer: UsageWriter;
  const admin = (path: string): ReturnType<HttpApp['call']> => http.call('get', path, { as: 'root', admin: true });
  const page = async (query: string): Promise<RequestLogPage> => {
    const response = await admin(`${BASE}/requests?${query}`);
    expect(response.status).toBe(200);
    return response.body as RequestLogPage;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    http = await HttpApp.start(upstreamYaml(upstream.url), { env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true });
    fake = ((await http.get('/api/ai/user/platforms', 'alice')).body as Platform[]).find((p) => p.name === 'Fake')!;
    writer = http.app.get(UsageWriter);
  });
  afterAll(async () => {
    expect(http.leaked([SYSTEM_KEY, FOREIGN_KEY])).toEqual([]);
    await http.close();
    await upstream.close();
  });

  it('keeps the slot, the error code and a masked detail of a failed call; never a key', async () => {
    const llm = http.app.get(LlmManagerService);
    await (await llm.getUserLlm('carol', { usageKey: 'fast', agentName: 'agent_muse' })).invoke('hello');
    upstream.enqueue({ error: { status: 429, message: `Rate limit for key ${SYSTEM_KEY}; see also ${FOREIGN_KEY} = "quota"` } });
    await expect((await llm.getUserLlm('carol', { usageKey: 'fast', agentName: 'agent_muse' })).invoke('again')).rejects.toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
    });

    const { items } = await page('user_id=carol');
    expect(items.map((i) => [i.usage_key, i.agent_name, i.platform_name, i.model_name, i.outcome, i.error_code])).toEqual([
      ['fast', 'agent_muse', 'Fake', 'chat', 'error', 'UPSTREAM_RATE_LIMITED'],
      ['fast', 'agent_muse', 'Fake', 'chat', 'ok', null],
    ]);
    const detail = items[0]!.error_detail!;
    expect(detail).toContain('HTTP 429');
    expect(detail).toContain('sk-…');
    expect(detail).not.toContain(SYSTEM_KEY);
    expect(detail).not.toContain(FOREIGN_KEY);
    expect(detail.length).toBeLessThanOrEqual(300);
    expect(items[0]!.latency_ms).toEqual(expect.any(Number));
    // A host app reads the same log without HTTP.
    expect((await http.app.get(RequestLogService).page({ userId: 'carol' })).items).toEqual(items);

    // The stored bytes hold no key either.
    const dataSource = http.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    const stored = JSON.stringify(await dataSource.getRepository(UsageLogEntryEntity).find({ select: { errorDetail: true } }));
    expect(stored).not.toContain(SYSTEM_KEY);
    expect(stored).not.toContain(FOREIGN_KEY.slice(8, 30));
  });

  it('pages newest first by keyset, stable while calls are written between pages, and filters', async () => {
    for (let i = 0; i < 25; i += 1) {
      writer.enqueue(usageRow({
        userId: `pager-${i % 2}`, createdAt: at(i), agentName: i % 3 === 0 ? 'critic' : 'muse', usageKey: i % 5 === 0 ? 'reason' : 'main',
        totalTokens: i, outcome: i % 4 === 0 ? 'error' : 'ok', success: i % 4 !== 0, modelId: fake.models[0]!.id,
      }));
    }
    // Two rows at the same instant: the id breaks the tie, so neither is skipped nor repeated at a page edge.
    writer.enqueue(usageRow({ userId: 'pager-0', createdAt: at(10), totalTokens: 100, modelId: fake.models[0]!.id }));
    await writer.flush();

    const seen: RequestLogEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const next: RequestLogPage = await page(`since=${at(0).toISOString()}&until=${at(30).toISOString()}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...next.items);
      cursor = next.next_cursor;
      pages += 1;
      // Newer calls written meanwhile land before the first page, never inside the walk.
      writer.enqueue(usageRow({ userId: 'pager-late', createdAt: at(29), totalTokens: 1 }));
    } while (cursor !== null);
    expect(pages).toBe(7);
    const walked = seen.filter((row) => row.user_id !== 'pager-late');
    expect(walked.map((row) => row.total_tokens)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 100, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(new Set(seen.map((row) => row.id)).size).toBe(seen.length);
    expect(seen.filter((row) => row.user_id === 'pager-late')).toEqual([]);
    expect((await page('user_id=pager-late')).items).toHaveLength(7);

    const window = `since=${at(0).toISOString()}&until=${at(25).toISOString()}`;
    const tokensOf = async (query: string): Promise<number[]> => (await page(`${window}&${query}`)).items.map((i) => i.total_tokens);
    expect(await tokensOf('user_id=pager-1&outcome=ok')).toEqual([23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1]);
    expect(await tokensOf('usage_key=reason')).toEqual([20, 15, 10, 5, 0]);
    expect(await tokensOf('agent_name=critic&outcome=error')).toEqual([24, 12, 0]);
    expect(await tokensOf(`platform=Fake&model_id=${fake.models[0]!.id}&user_id=pager-0&limit=3`)).toEqual([24, 22, 20]);
    expect(await tokensOf('platform=Nowhere')).toEqual([]);
    expect(await tokensOf(`platform=Fake&model=${fake.models[0]!.displayName}&user_id=pager-1&limit=2`)).toEqual([23, 21]);
    expect(await tokensOf('model=nothing-like-it')).toEqual([]);
  });

  it('refuses bad filters, naming the field, and asks for an admin', async () => {
    expectValidationError(await admin(`${BASE}/requests?limit=201`), 'limit');
    expectValidationError(await admin(`${BASE}/requests?limit=1e2`), 'limit');
    expectValidationError(await admin(`${BASE}/requests?cursor=abc`), 'cursor');
    expectValidationError(await admin(`${BASE}/requests?outcome=maybe`), 'outcome');
    expectValidationError(await admin(`${BASE}/requests?model_id=0x10`), 'model_id');
    expectValidationError(await admin(`${BASE}/requests?since=2026-02-01&until=2026-01-01`), 'until');
    expectValidationError(await admin(`${BASE}/top-users?limit=0`), 'limit');
    expectValidationError(await admin(`${BASE}/export.csv?view=everything`), 'view');
    expectCleanError(await http.get(`${BASE}/requests`, 'alice'), 403);
  });

  it('totals of all users per model and per agent, top users with search, and deleted models by their kept names', async () => {
    const added = await http.post(`/api/ai/user/platforms`, 'dave', { name: 'Short-lived', baseUrl: upstream.url, apiKey: 'sk-dave-own-key-000111222333' });
    expect(added.status).toBe(201);
    const platform = added.body as Platform;
    const model = await http.post(`/api/ai/user/platforms/${platform.id}/models`, 'dave', { displayName: '临时模型', modelName: 'fake-chat' });
    expect(model.status).toBe(201);
    const modelId = (model.body as { id: number }).id;
    const range = `since=${at(100).toISOString()}&until=${at(200).toISOString()}`;
    for (const [user, tokens] of [['dave', 500], ['erin', 70], ['dave', 30], ['Davina', 9]] as const) {
      writer.enqueue(usageRow({ userId: user, createdAt: at(150), totalTokens: tokens, modelId, agentName: user === 'erin' ? null : 'agent_x' }));
    }
    writer.enqueue(usageRow({ userId: 'erin', createdAt: at(150), totalTokens: 5, modelId: fake.models[0]!.id }));
    await writer.flush();
    expect((await http.delete(`/api/ai/user/platforms/${platform.id}`, 'dave')).status).toBe(204);

    const models = (await admin(`${BASE}/models?${range}`)).body as ModelUsage[];
    expect(models.map((m) => [m.platform_name, m.model_name, m.model_deleted, m.tokens, m.requests])).toEqual([
      ['Short-lived', '临时模型', true, 609, 4],
      ['Fake', 'chat', false, 5, 1],
    ]);
    const agents = (await admin(`${BASE}/agents?${range}`)).body as Array<{ agent_name: string | null; tokens: number }>;
    expect(agents.map((a) => [a.agent_name, a.tokens])).toEqual([['agent_x', 539], [null, 75]]);
    expect((await admin(`${BASE}/top-users?${range}&limit=1`)).body).toMatchObject({ matched_users: 3, users: [{ user_id: 'dave', tokens: 530 }] });
    const searched = (await admin(`${BASE}/top-users?${range}&search=DAV`)).body as TopUsers;
    expect([searched.matched_users, searched.users.map((u) => u.user_id)]).toEqual([2, ['dave', 'Davina']]);

    expect((await page(`${range}&model=临时模型`)).items).toHaveLength(4);
    const log = await page(`${range}&platform=Short-lived`);
    expect(log.items.map((i) => [i.model_name, i.model_deleted])).toEqual(Array(4).fill(['临时模型', true]));
    // The user's own statistics name it too.
    const own = (await http.get('/api/ai/user/usage/by-model?since=2026-01-01', 'dave')).body as ModelUsage[];
    expect(own.find((m) => m.model_id === modelId)).toMatchObject({ model_name: '临时模型', platform_name: 'Short-lived', model_deleted: true });
  });

  it('a reset from YAML that removes a model and a platform keeps their names for the usage they served', async () => {
    const models = (platform: Platform | undefined, name: string): number => platform!.models.find((m) => m.displayName === name)!.id;
    const before = (await admin('/api/ai/admin/sys-platforms')).body as Platform[];
    const thinking = models(before.find((p) => p.name === 'Fake'), 'thinking');
    const spare = models(before.find((p) => p.name === 'Spare'), 'spare-chat');
    for (const modelId of [thinking, spare]) writer.enqueue(usageRow({ userId: 'yaml-user', createdAt: at(400), totalTokens: 1, modelId }));
    await writer.flush();
    // The same file without Fake's `thinking` (nor the `reason` binding to it) and without the Spare platform.
    const yaml = upstreamYaml(upstream.url);
    http.store.writeYaml(
      yaml
        .replace(/\n {6}thinking:\n.*\n.*\n/, '\n')
        .replace(/\n {2}Spare:\n.*\n.*\n.*\n/, '\n')
        .replace(/\n {2}reason: .*\n/, '\n'),
    );
    const reset = await http.call('post', '/api/ai/admin/reload-from-yaml', { as: 'root', admin: true });
    expect(reset.status).toBe(200);
    const log = await page('user_id=yaml-user');
    expect(log.items.map((i) => [i.platform_name, i.model_name, i.model_deleted]).sort()).toEqual([
      ['Fake', 'thinking', true],
      ['Spare', 'spare-chat', true],
    ]);
    http.store.writeYaml(yaml);
  });

  it('exports CSV: quoted text, formula cells defused, totals views, streamed in chunks', async () => {
    writer.enqueue(usageRow({ userId: '=HYPERLINK("http://x")', createdAt: at(300), totalTokens: 3, agentName: 'a,b\n"c"', usageKey: '@cmd' }));
    writer.enqueue(usageRow({
      userId: 'csv-user', createdAt: at(301), totalTokens: 4, outcome: 'error', success: false, errorCode: 'UPSTREAM_ERROR',
      errorDetail: `-1+2 failed with ${SYSTEM_KEY}`,
    }));
    await writer.flush();
    const range = `since=${at(300).toISOString()}&until=${at(302).toISOString()}`;
    const response = await admin(`${BASE}/export.csv?${range}`);
    expect([response.status, response.status === 200 ? '' : response.text]).toEqual([200, '']);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toContain('llm-usage-requests.csv');
    const lines = response.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe(
      '"time","user_id","usage_key","agent_name","platform","model","model_deleted","outcome","prompt_tokens","completion_tokens",' +
        '"total_tokens","cost_usd","latency_ms","attempt","error_code","error_detail"',
    );
    expect(lines[1]).toMatch(/^"2026-01-10T17:01:00.000Z","csv-user",,,,,false,"error",0,0,4,0,,1,"UPSTREAM_ERROR","'-1\+2 failed with sk-…\w{4}"$/);
    expect(response.text).not.toContain(SYSTEM_KEY);
    expect(lines.slice(2).join('\r\n')).toBe(`"2026-01-10T17:00:00.000Z","'=HYPERLINK(""http://x"")","'@cmd","a,b\n""c""",,,false,"ok",0,0,3,0,,1,,\r\n`);

    const users = await admin(`${BASE}/export.csv?view=users&${range}&search=csv`);
    expect(users.text.replace(/^\uFEFF/, '')).toBe('"user_id","tokens","prompt_tokens","completion_tokens","requests","errors","cost_usd"\r\n"csv-user",4,0,0,1,1,0\r\n');
    expect((await admin(`${BASE}/export.csv?view=models&${range}`)).text).toContain('"platform","model","model_id","model_deleted"');
    expect((await admin(`${BASE}/export.csv?view=agents&${range}`)).text).toContain(',4,0,0,1,1,0\r\n"a,b\n""c""",3,0,0,1,0,0\r\n');

    // Longer than one read chunk (1000 rows): every call once, in order.
    for (let i = 0; i < 2100; i += 1) writer.enqueue(usageRow({ userId: 'bulk', createdAt: new Date(T0 + 86_400_000 + i * 1000), totalTokens: i }));
    await writer.flush();
    const bulk = await admin(`${BASE}/export.csv?user_id=bulk`);
    const tokens = bulk.text.trim().split('\r\n').slice(1).map((line) => Number(line.split(',')[10]));
    expect(tokens).toHaveLength(2100);
    expect(tokens[0]).toBe(2099);
    expect(tokens[2099]).toBe(0);
  });

  it('reads a page through an index on this engine, not the whole table', async () => {
    const dataSource = http.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    for (let i = 0; i < 3000; i += 1) writer.enqueue(usageRow({ userId: `plan-${i % 50}`, createdAt: new Date(T0 + 2 * 86_400_000 + i * 1000), totalTokens: 1 }));
    await writer.flush();
    const first = await page('limit=50');
    const statements = new QueryRecorder();
    const saved = dataSource.logger;
    Object.assign(dataSource, { logger: statements });
    try {
      await page(`limit=50&cursor=${first.next_cursor}`);
      await page('limit=50&user_id=plan-7');
    } finally {
      Object.assign(dataSource, { logger: saved });
    }
    const selects = statements.queries.filter((q) => q.sql.startsWith('SELECT') && q.sql.includes('usage_log_entries'));
    expect(selects).toHaveLength(2);
    const runner = dataSource.createQueryRunner();
    try {
      const engine = testEngineName();
      for (const { sql, parameters } of selects) {
        if (engine === 'postgres') {
          await runner.query('SET enable_seqscan = off');
          const plan = JSON.stringify(await runner.query(`EXPLAIN ${sql}`, parameters));
          expect(plan).toMatch(/(Index (Only )?Scan( Backward)? using|Bitmap Index Scan on) \\"IDX_usage_log_entries_(created_id|user_created_totals)/);
          expect(plan).not.toMatch(/Seq Scan on usage_log_entries/);
        } else if (engine === 'mariadb') {
          const plan = (await runner.query(`EXPLAIN ${sql}`, parameters)) as Array<{ table: string; type: string; key: string | null }>;
          const usage = plan.find((step) => step.table === 'u')!;
          expect(usage.key).toMatch(/^IDX_usage_log_entries_(created_id|user_created_totals)$/);
          expect(usage.type).not.toBe('ALL');
        } else {
          const plan = (await runner.query(`EXPLAIN QUERY PLAN ${sql}`, parameters)) as Array<{ detail: string }>;
          const steps = plan.map((step) => step.detail).join('\n');
          expect(steps).toMatch(/SEARCH u USING (COVERING )?INDEX IDX_usage_log_entries_(created_id|user_created_totals)|SCAN u USING INDEX IDX_usage_log_entries_created_id/);
          expect(steps).not.toMatch(/SCAN u\b(?! USING)/);
        }
      }
    } finally {
      await runner.release();
    }
  });
});
