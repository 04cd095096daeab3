import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { StandaloneProcess } from '../support/standalone-process';
import { createTestDatabase, type TestDatabase, type TestEngineName } from '../support/test-engine';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN_TOKEN = 'llma_instances-test-admin-token-0123456789abcdef';
/** The bound: a change made through one instance is served by the other within 2 s. */
const WITHIN_MS = 2_000;

type Json = Record<string, unknown>;

/**
 * Several instances (B7): two real standalone server processes on one PostgreSQL (or MariaDB) database, started at
 * the same moment on an empty database. What one is told, the other serves within 2 s; the purge runs once per tick;
 * usage written by both at once is all there.
 */
describe.each<TestEngineName>(['postgres', 'mariadb'])('two standalone servers on one %s database', (engine) => {
  let upstream: FakeUpstream;
  let other: FakeUpstream;
  let database: TestDatabase;
  let dir: string;
  let a: StandaloneProcess;
  let b: StandaloneProcess;
  let aliceToken: string;

  beforeAll(async () => {
    [upstream, other] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-instances-'));
    database = createTestDatabase(engine, join(dir, 'unused.db'));
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
    const env = {
      LLM_MGR_DATABASE_URL: database.url,
      LLM_KEY: TEST_MASTER_KEY,
      LLM_MGR_ADMIN_TOKEN: ADMIN_TOKEN,
      [SYSTEM_KEY_ENV]: SYSTEM_KEY,
      LLM_AUTO_KEY: 'true',
      LLM_ALLOW_PRIVATE_BASE_URLS: 'true',
      // Every second, keeping one day: the purge test needs ticks, not a day's wait.
      LLM_USAGE_PURGE_CRON: '* * * * * *',
      LLM_USAGE_RETENTION_DAYS: '1',
    };
    // Both at once on the empty database: migrations and the first YAML import must take turns.
    [a, b] = await Promise.all([StandaloneProcess.start('A', dir, env), StandaloneProcess.start('B', dir, env)]);
    const issued = await call(a, 'POST', '/api/ai/admin/tokens', ADMIN_TOKEN, { userId: 'alice', name: 'instances' });
    aliceToken = issued.token as string;
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([upstream?.close(), other?.close()]);
    database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(server: StandaloneProcess, method: string, path: string, token: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${server.name} ${method} ${path} → ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Json;
  }

  /** A user (alice by default) tests her `main` slot through `server`: the model getUserLlm() has cached for her. */
  const testMain = (server: StandaloneProcess, token = aliceToken): Promise<Json> =>
    call(server, 'POST', '/api/ai/user/test-model', token, { usageKey: 'main' });

  /** Retries `check` until it holds; the time it took, failing past WITHIN_MS. */
  async function within(check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > WITHIN_MS) throw new Error(`not seen within ${WITHIN_MS} ms`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
    return Date.now() - started;
  }

  const systemPlatforms = async (server: StandaloneProcess): Promise<Array<{ id: number; name: string; models: Array<{ id: number; displayName: string }> }>> =>
    (await call(server, 'GET', '/api/ai/admin/sys-platforms', ADMIN_TOKEN)) as unknown as Array<{
      id: number;
      name: string;
      models: Array<{ id: number; displayName: string }>;
    }>;

  it('both started together on the empty database: migrated once, the YAML imported once', async () => {
    const [onA, onB] = await Promise.all([systemPlatforms(a), systemPlatforms(b)]);
    expect(onA.map((p) => p.name)).toEqual(['Fake', 'Spare']);
    expect(onB).toEqual(onA);
  });

  it('a platform edited through A is the one B calls within 2 s', async () => {
    expect(await testMain(b)).toMatchObject({ ok: true, platform: 'Fake', model: 'chat' });
    const fake = (await systemPlatforms(a)).find((p) => p.name === 'Fake')!;
    // Moved with its key named again: a stored key never follows a base URL on its own.
    await call(a, 'PUT', '/api/ai/admin/sys-platform', ADMIN_TOKEN, { id: fake.id, baseUrl: other.url, apiKeyEnv: SYSTEM_KEY_ENV });
    await within(async () => {
      const before = other.chatRequests.length;
      await testMain(b);
      return other.chatRequests.length > before;
    });
  });

  it('a key replaced through A is the key B sends within 2 s', async () => {
    const fake = (await systemPlatforms(a)).find((p) => p.name === 'Fake')!;
    await call(a, 'POST', '/api/ai/user/api-key', aliceToken, { platformId: fake.id, apiKey: 'sk-alice-first-0000111122223333' });
    await within(async () => {
      await testMain(b);
      return other.chatRequests.at(-1)?.authorization === 'Bearer sk-alice-first-0000111122223333';
    });
    await call(a, 'POST', '/api/ai/user/api-key', aliceToken, { platformId: fake.id, apiKey: 'sk-alice-second-4444555566667777' });
    await within(async () => {
      await testMain(b);
      return other.chatRequests.at(-1)?.authorization === 'Bearer sk-alice-second-4444555566667777';
    });
  });

  it('a model deleted through A: B repairs the slot instead of calling it, within 2 s', async () => {
    const fake = (await systemPlatforms(a)).find((p) => p.name === 'Fake')!;
    const chat = fake.models.find((m) => m.displayName === 'chat')!;
    await call(a, 'DELETE', `/api/ai/admin/sys-model/${chat.id}`, ADMIN_TOKEN);
    await within(async () => (await testMain(b)).model !== 'chat');
  });

  it('usage written by both instances at once: every call has its row', async () => {
    // A user of its own: rows of earlier tests may still be on their way.
    const dora = (await call(a, 'POST', '/api/ai/admin/tokens', ADMIN_TOKEN, { userId: 'dora', name: 'usage' })).token as string;
    const rows = async (): Promise<number> =>
      (await call(a, 'GET', '/api/ai/admin/usage/users/dora?since=2000-01-01T00:00:00Z', ADMIN_TOKEN)).requests as number;
    const calls = 60;
    await Promise.all(Array.from({ length: calls }, (_, i) => testMain(i % 2 === 0 ? a : b, dora)));
    // Rows are batched off the call path; both writers flush within their interval.
    const started = Date.now();
    while ((await rows()) < calls && Date.now() - started < 10_000) await new Promise((wake) => setTimeout(wake, 100));
    expect(await rows()).toBe(calls);
  });

  it('a token revoked through A is refused by B within 2 s', async () => {
    const issued = await call(a, 'POST', '/api/ai/admin/tokens', ADMIN_TOKEN, { userId: 'bob', name: 'short-lived' });
    const asBob = (): Promise<number> =>
      fetch(`${b.url}/api/ai/user-selection?usage_key=main`, { headers: { authorization: `Bearer ${issued.token as string}` } }).then(
        (response) => response.status,
      );
    expect(await asBob()).toBe(200); // B has verified it, and caches that
    await call(a, 'DELETE', `/api/ai/admin/tokens/${issued.id as number}`, ADMIN_TOKEN);
    await within(async () => (await asBob()) === 401);
  });

  it('the scheduled purge runs once per tick across both, and old rows go', async () => {
    const inspect = await openDataSource(database.options);
    try {
      const old = new Date(Date.now() - 10 * 86_400_000);
      const rows = inspect.getRepository(UsageLogEntryEntity);
      await rows.insert(
        Array.from({ length: 5 }, () =>
          rows.create({
            userId: 'carol', modelId: 1, promptTokens: 1, completionTokens: 1, totalTokens: 2, reasoningTokens: 0, success: true,
            usageSource: 'estimated', outcome: 'ok', latencyMs: 1, agentName: null, createdAt: old,
          }),
        ),
      );
      const started = Date.now();
      while ((await rows.countBy({ userId: 'carol' })) > 0 && Date.now() - started < 5_000) {
        await new Promise((wake) => setTimeout(wake, 200));
      }
      expect(await rows.countBy({ userId: 'carol' })).toBe(0);
    } finally {
      await inspect.destroy();
    }
    const ticks = (server: StandaloneProcess): string[] =>
      [...server.log.matchAll(/Usage purge: this instance runs the tick of (\S+)\./g)].map((match) => match[1]);
    const all = [...ticks(a), ...ticks(b)];
    expect(all.length).toBeGreaterThan(2);
    expect(new Set(all).size).toBe(all.length);
  });

  it('no secret in either log', () => {
    for (const secret of [TEST_MASTER_KEY, ADMIN_TOKEN, SYSTEM_KEY, aliceToken, 'sk-alice-second-4444555566667777']) {
      expect(a.log).not.toContain(secret);
      expect(b.log).not.toContain(secret);
    }
  });
});
