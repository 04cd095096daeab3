import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { ConfigChangeRelay } from '../../src/llm-manager/cluster/config-change-relay';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { useNoNetworkGuard } from '../support/no-network';
import { casesFor, operationsOf, type FuzzCase, type FuzzOperation } from '../support/openapi-fuzz';
import { createTestDatabase, testEngineName } from '../support/test-engine';

const FIXTURE_YAML = join(__dirname, '..', 'fixtures', 'basic.yaml');
const quiet = { log: (): void => undefined, error: (): void => undefined, warn: (): void => undefined };
/** A refusal of ours; 502 is an upstream's answer relayed (the fixture's platforms point at a closed local port). */
const isServerFault = (status: number): boolean => status >= 500 && status !== 502;

/** The first rows that differ, shortened, so a finding says what was written. */
function changedLines(before: string, after: string): string {
  const old = new Set(before.split('\n'));
  return after.split('\n').filter((line) => !old.has(line)).slice(0, 3).map((line) => line.slice(0, 160)).join(' | ');
}

interface Finding {
  who: string;
  operation: string;
  label: string;
  status: number;
  problem: string;
}

/**
 * Walks every route of the standalone server's /docs-json with the admin token and a user token: a plausible
 * request, then the same request broken one way at a time. No answer may be a server fault, and a refusal (4xx) must
 * leave the database, the YAML file and .env exactly as they were.
 */
describe('fuzz: every route of /docs-json, as admin and as a user', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-fuzz-'));
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  const env = { TEST_PLATFORM_KEY: 'sk-fuzz-env-key-0000111122223333', ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }) };
  let app: INestApplication;
  let dataSource: DataSource;
  let doc: Record<string, unknown>;
  let admin: string;
  let user: string;
  let sent = 0;
  const findings: Finding[] = [];

  beforeAll(async () => {
    copyFileSync(FIXTURE_YAML, join(dir, 'llm_mgr_cfg.yaml'));
    ({ app } = await createApp({ cwd: dir, env, logger: quiet }));
    await app.init();
    dataSource = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN, { strict: false });
    admin = /^LLM_MGR_ADMIN_TOKEN=(.+)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'))?.[1] ?? '';
    const issued = await request(app.getHttpServer()).post('/api/ai/admin/tokens').set('authorization', `Bearer ${admin}`).send({ userId: 'fuzz-user', name: 'fuzz' });
    user = (issued.body as { token: string }).token;
    doc = (await request(app.getHttpServer()).get('/docs-json')).body as Record<string, unknown>;
    // First use creates the user's slots; from then on a refusal has nothing to create.
    await request(app.getHttpServer()).get('/api/ai/user-selection').set('authorization', `Bearer ${user}`);
  });
  afterAll(async () => {
    await app?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Everything a request could change: every table of llm-mgr (but a token's last use), the YAML and .env. A write
   * bumps the shared config version just after it answers: that bump is awaited, or it would land in the next case.
   */
  async function fingerprint(): Promise<string> {
    await app.get(ConfigChangeRelay, { strict: false }).flush();
    // A test request that answered (a platform's test, issue 19) writes its usage row after the answer, in a batch.
    await app.get(CallRecorder, { strict: false }).drain();
    await app.get(UsageWriter, { strict: false }).flush();
    const parts: string[] = [readFileSync(join(dir, 'llm_mgr_cfg.yaml'), 'utf8'), readFileSync(join(dir, '.env'), 'utf8')];
    for (const entity of dataSource.entityMetadatas) {
      const rows = (await dataSource.createQueryBuilder().select('*').from(entity.tablePath, 't').getRawMany()) as Array<Record<string, unknown>>;
      parts.push(rows.map((row) => JSON.stringify({ ...row, last_used_at: undefined })).sort().join('\n'));
    }
    return parts.join('\n--\n');
  }

  async function walk(who: string, token: string, operations: FuzzOperation[]): Promise<void> {
    let before = await fingerprint();
    for (const op of operations) {
      for (const fuzz of casesFor(doc, op)) {
        const status = await send(op, fuzz, token);
        sent += 1;
        const operation = `${op.method.toUpperCase()} ${op.template}`;
        if (isServerFault(status)) findings.push({ who, operation, label: fuzz.label, status, problem: 'server fault' });
        const after = await fingerprint();
        if (status >= 400 && after !== before) {
          findings.push({ who, operation, label: fuzz.label, status, problem: `refused, yet changed: ${changedLines(before, after)}` });
        }
        before = after;
      }
    }
  }

  async function send(op: FuzzOperation, fuzz: FuzzCase, token: string): Promise<number> {
    let test = request(app.getHttpServer())[op.method](fuzz.url).set('authorization', `Bearer ${token}`);
    if (fuzz.raw !== undefined) test = test.set('content-type', 'application/json').send(fuzz.raw);
    return (await test).status;
  }

  const isAdminRoute = (op: FuzzOperation): boolean => op.template.startsWith('/api/ai/admin');

  it('finds the routes in the document', () => {
    const templates = operationsOf(doc).map((op) => op.template);
    expect(templates).toEqual(expect.arrayContaining(['/api/ai/user/platforms/{id}', '/api/ai/admin/tokens/{id}', '/api/ai/admin/yaml/platforms/{name}']));
  });

  it('as a user: no server fault, and every refusal leaves everything as it was', async () => {
    await walk('user', user, operationsOf(doc).filter((op) => !isAdminRoute(op)));
    // Admin routes refuse a user before reading anything; one plausible request each is enough to show it.
    for (const op of operationsOf(doc).filter(isAdminRoute)) {
      const status = await send(op, casesFor(doc, op)[0]!, user);
      if (status !== 403) findings.push({ who: 'user', operation: `${op.method} ${op.template}`, label: 'admin route', status, problem: 'not 403' });
    }
    expect(findings).toEqual([]);
  }, 900_000);

  it('as the admin: no server fault, and every refusal leaves everything as it was', async () => {
    // User routes first (the admin is the system user there), then the admin's own, which delete and reset things.
    await walk('admin', admin, [...operationsOf(doc).filter((op) => !isAdminRoute(op)), ...operationsOf(doc).filter(isAdminRoute)]);
    expect(findings).toEqual([]);
    expect(sent).toBeGreaterThan(2000);
  }, 900_000);
});
