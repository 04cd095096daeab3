import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import { createApp } from '../../src/app/create-app';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN = 'llma_sqlite3-smoke-admin-token-0123456789abcdef';
/** Relative on purpose: the server anchors it in its own folder, as it does `llm_config.db`. */
const URL = 'sqlite3:usage-on-sqlite3.db';

/**
 * The standalone server on the sqlite3 package, chosen the way an operator chooses it (`LLM_MGR_DATABASE_URL`):
 * it starts, imports the YAML, calls the fake upstream, writes the usage row and answers the statistics.
 */
describe('standalone server on the sqlite3 driver (LLM_MGR_DATABASE_URL=sqlite3:…)', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-sqlite3-'));
  const file = join(dir, 'usage-on-sqlite3.db');
  let upstream: FakeUpstream;
  let app: INestApplication;
  let alice: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
    const env = {
      LLM_MGR_DATABASE_URL: URL,
      LLM_KEY: TEST_MASTER_KEY,
      LLM_MGR_ADMIN_TOKEN: ADMIN,
      [SYSTEM_KEY_ENV]: SYSTEM_KEY,
      LLM_AUTO_KEY: 'true',
      LLM_ALLOW_PRIVATE_BASE_URLS: 'true',
    };
    ({ app } = await createApp({ cwd: dir, env, logger: { log: () => {}, error: () => {}, warn: () => {} } }));
    await app.init();
    const issued = await request(app.getHttpServer())
      .post('/api/ai/admin/tokens')
      .set('authorization', `Bearer ${ADMIN}`)
      .send({ userId: 'alice', name: 'sqlite3 smoke' });
    alice = (issued.body as { token: string }).token;
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its store in the private file the URL names, imports the YAML and reports healthy', async () => {
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const health = await request(app.getHttpServer()).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ database: 'ok', platforms: 2, usablePlatforms: 1 });
  });

  it('a call through the fake upstream writes one usage row, and the statistics count it', async () => {
    const tested = await request(app.getHttpServer())
      .post('/api/ai/user/test-model')
      .set('authorization', `Bearer ${alice}`)
      .send({ usageKey: 'main' });
    expect(tested.body).toMatchObject({ ok: true });
    expect(upstream.chatRequests).toHaveLength(1);

    const usage = await request(app.getHttpServer()).get('/api/ai/user/usage?since=1d').set('authorization', `Bearer ${alice}`);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ requests: 1, errors: 0 });
    expect((usage.body as { tokens: number }).tokens).toBeGreaterThan(0);

    // Read back with the other driver: the row is in the named file, in the shared format.
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT user_id, success FROM usage_log_entries').all()).toEqual([{ user_id: 'alice', success: 1 }]);
    } finally {
      db.close();
    }
  });
});
