import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { useNoNetworkGuard } from '../support/no-network';

const REPO_YAML = join(__dirname, '..', '..', 'llm_mgr_cfg.yaml');
const ADMIN = 'llma_explicit-admin-token-for-this-spec-0123456789';

/** A temp folder laid out like a fresh clone: the shipped YAML, nothing else. */
function freshFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-standalone-'));
  copyFileSync(REPO_YAML, join(dir, 'llm_mgr_cfg.yaml'));
  return dir;
}

async function startFailure(start: Promise<unknown>): Promise<LlmManagerError> {
  try {
    await start;
  } catch (error) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected the start to fail');
}

describe('standalone server: Swagger and /health', () => {
  useNoNetworkGuard();
  const dir = freshFolder();
  // The engine of this run: the default llm_config.db in `dir` on SQLite, else LLM_MGR_DATABASE_URL.
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  let app: INestApplication;

  beforeAll(async () => {
    const env = {
      LLM_MGR_ADMIN_TOKEN: ADMIN,
      DEEPSEEK_API_KEY: 'sk-test-deepseek-0000111122223333',
      ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }),
    };
    ({ app } = await createApp({ cwd: dir, env, logger: { log: () => {}, error: () => {}, warn: () => {} } }));
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an admin token from the environment is used as is and not written to .env', async () => {
    expect(readFileSync(join(dir, '.env'), 'utf8')).not.toContain('LLM_MGR_ADMIN_TOKEN');
    const listed = await request(app.getHttpServer()).get('/api/ai/admin/tokens').set('authorization', `Bearer ${ADMIN}`);
    expect(listed.status).toBe(200);
  });

  it('serves Swagger UI at /docs and a document listing the routes, with bearer auth, at /docs-json', async () => {
    const ui = await request(app.getHttpServer()).get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.text).toContain('swagger-ui');

    const doc = await request(app.getHttpServer()).get('/docs-json');
    expect(doc.status).toBe(200);
    const body = doc.body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/ai/admin/tokens', '/api/ai/admin/tokens/{id}', '/api/ai/user-selection', '/health']),
    );
    expect(Object.keys(body.paths['/api/ai/admin/tokens']).sort()).toEqual(['get', 'post']);
    expect(body.paths['/api/ai/admin/tokens'].post.security).toEqual([{ bearer: [] }]);
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers errors raised before routing with the same JSON shape: malformed JSON, oversized body', async () => {
    const malformed = await request(app.getHttpServer())
      .post('/api/ai/admin/sys-platform')
      .set('authorization', `Bearer ${ADMIN}`)
      .set('content-type', 'application/json')
      .send('{"name": "x",');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(malformed.body.message).toMatch(/not valid JSON/);
    const oversized = await request(app.getHttpServer())
      .post('/api/ai/admin/sys-platform')
      .set('authorization', `Bearer ${ADMIN}`)
      .send({ name: 'x', baseUrl: 'https://x.example.com', apiKey: 'k'.repeat(200_000) });
    expect(oversized.status).toBe(413);
    expect(oversized.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(JSON.stringify([malformed.body, oversized.body])).not.toMatch(/at .+\.(js|ts):\d+|node_modules/);
  });

  it('GET /health answers without a token: database, config, platforms and how many are usable', async () => {
    const health = await request(app.getHttpServer()).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      status: 'ok',
      database: 'ok',
      config: 'loaded',
      platforms: expect.any(Number),
      // DeepSeek (its key is in the environment); Ollama needs no key but has never answered here, so it is not.
      usablePlatforms: 1,
      // Issue 18: system platforms with a key cooled down after repeated failures; none has failed here.
      coolingPlatforms: [],
    });
    expect((health.body as { platforms: number }).platforms).toBeGreaterThan(1);
  });

  it('GET /health is 503 when the database does not answer', async () => {
    const dataSource = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
    const query = jest.spyOn(dataSource, 'query').mockRejectedValueOnce(new Error('connection lost'));
    try {
      const health = await request(app.getHttpServer()).get('/health');
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'unavailable', database: 'unreachable', config: 'loaded' });
    } finally {
      query.mockRestore();
    }
  });
});

describe('standalone server: admin token set-up', () => {
  const dirs: string[] = [];
  const quiet = { log: (): void => {}, error: (): void => {}, warn: (): void => {} };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses a short LLM_MGR_ADMIN_TOKEN with a clear message that does not repeat it, and starts nothing', async () => {
    const dir = freshFolder();
    dirs.push(dir);
    const error = await startFailure(createApp({ cwd: dir, env: { LLM_MGR_ADMIN_TOKEN: 'admin123' }, logger: quiet }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/LLM_MGR_ADMIN_TOKEN .*too short/);
    expect(error.message).not.toContain('admin123');
    expect(existsSync(join(dir, 'llm_config.db'))).toBe(false);
  });

  it('appends to an existing .env without touching its lines, and makes it 0600', async () => {
    const dir = freshFolder();
    dirs.push(dir);
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=sk-from-dotenv-0000111122223333');
    chmodSync(join(dir, '.env'), 0o644);
    const { app } = await createApp({ cwd: dir, env: {}, logger: quiet });
    await app.init();
    try {
      const health = await request(app.getHttpServer()).get('/health');
      // OpenAI (its key is in .env: .env feeds the YAML's {ENV_VAR} placeholders); Ollama has not answered yet.
      expect(health.body).toMatchObject({ usablePlatforms: 1 });
    } finally {
      await app.close();
    }
    const lines = readFileSync(join(dir, '.env'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('OPENAI_API_KEY=sk-from-dotenv-0000111122223333');
    expect(lines.slice(1).map((line) => line.split('=')[0]).sort()).toEqual(['LLM_KEY', 'LLM_MGR_ADMIN_TOKEN']);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
  });
});
