import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { StandaloneProcess } from '../support/standalone-process';
import { createTestDatabase, type TestDatabase } from '../support/test-engine';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN_TOKEN = 'llma_cooldowns-test-admin-token-0123456789abcdef';

type Json = Record<string, unknown>;

/**
 * Issue 18, cooldowns shared across instances: two real standalone server processes on one PostgreSQL database. The
 * default policy (3 failures a minute) cools Fake's key down through A's model tests; B lists it on `/health` and in
 * its platform view within a second or so, without ever having called Fake itself.
 */
describe('cooldowns: two standalone servers on one PostgreSQL database', () => {
  let upstream: FakeUpstream;
  let database: TestDatabase;
  let dir: string;
  let a: StandaloneProcess;
  let b: StandaloneProcess;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-cooldowns-'));
    database = createTestDatabase('postgres', join(dir, 'unused.db'));
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
    const env = { LLM_MGR_DATABASE_URL: database.url, LLM_KEY: TEST_MASTER_KEY, LLM_MGR_ADMIN_TOKEN: ADMIN_TOKEN, [SYSTEM_KEY_ENV]: SYSTEM_KEY };
    a = await StandaloneProcess.start('A', dir, env);
    b = await StandaloneProcess.start('B', dir, env);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
    database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(server: StandaloneProcess, method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  }

  it('three failures through A cool the key down; B shows it on /health and in its views, never the key', async () => {
    const platforms = (await call(a, 'GET', '/api/ai/admin/sys-platforms')) as Array<{ id: number; name: string; models: Array<{ id: number; displayName: string }> }>;
    const fake = platforms.find((p) => p.name === 'Fake')!;
    const broken = fake.models.find((m) => m.displayName === 'broken')!;
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await call(a, 'POST', '/api/ai/admin/test-model', { platformId: fake.id, modelId: broken.id })).toMatchObject({ ok: false });
    }

    const started = Date.now();
    let health: Json = {};
    while (Date.now() - started < 5_000) {
      health = (await (await fetch(`${b.url}/health`)).json()) as Json;
      if ((health.coolingPlatforms as unknown[]).length > 0) break;
      await new Promise((wake) => setTimeout(wake, 100));
    }
    expect(health.coolingPlatforms).toEqual([{ platform: 'Fake', keys: 1, coolingUntil: expect.any(String), reason: 'UPSTREAM_ERROR 500' }]);
    const seenByB = ((await call(b, 'GET', '/api/ai/admin/sys-platforms')) as Array<{ name: string; coolingUntil: string | null }>).find((p) => p.name === 'Fake');
    expect(seenByB?.coolingUntil).toBe((health.coolingPlatforms as Array<{ coolingUntil: string }>)[0]!.coolingUntil);
    expect(JSON.stringify(health) + a.log + b.log).not.toContain(SYSTEM_KEY);
    expect(a.log).toContain('its key cools down until');
  });
});
