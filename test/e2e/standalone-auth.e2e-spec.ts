import 'reflect-metadata';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import request, { type Response } from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app/create-app';
import { ApiTokenEntity } from '../../src/llm-manager/api-tokens/api-token.entity';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { createTestDatabase, testEngineName } from '../support/test-engine';
import { useNoNetworkGuard } from '../support/no-network';

/** Keeps every line a logger receives, so the spec can prove no token was ever logged. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...parts: unknown[]): void { this.keep(parts); }
  error(...parts: unknown[]): void { this.keep(parts); }
  warn(...parts: unknown[]): void { this.keep(parts); }
  debug(...parts: unknown[]): void { this.keep(parts); }
  verbose(...parts: unknown[]): void { this.keep(parts); }
  private keep(parts: unknown[]): void {
    this.lines.push(parts.map((p) => (p instanceof Error ? `${p.message}\n${p.stack ?? ''}` : String(p))).join(' '));
  }
}

/** Everything written to the console or the standard streams while installed (a stray `console.warn` included). */
function captureConsole(): { text: string[]; restore: () => void } {
  const text: string[] = [];
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...parts: unknown[]) => void text.push(parts.map(String).join(' '))),
    ),
    ...[process.stdout, process.stderr].map((stream) => {
      const write = stream.write.bind(stream);
      return jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
        text.push(String(chunk));
        return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
      });
    }),
  ];
  return { text, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

const REPO_YAML = join(__dirname, '..', '..', 'llm_mgr_cfg.yaml');
const ENV = { DEEPSEEK_API_KEY: 'sk-test-deepseek-0000111122223333', LLM_ALLOW_PRIVATE_BASE_URLS: 'true' };

describe('standalone server: admin token, user tokens, isolation', () => {
  useNoNetworkGuard();
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-standalone-'));
  // The engine of this run: the default llm_config.db in `dir` on SQLite, else LLM_MGR_DATABASE_URL.
  const database = createTestDatabase(testEngineName(), join(dir, 'llm_config.db'));
  const env = { ...ENV, ...(database.engine === 'sqlite' ? {} : { LLM_MGR_DATABASE_URL: database.url }) };
  const logger = new CapturingLogger();
  const bodies: string[] = [];
  const consoleOutput = captureConsole();
  let app: INestApplication;
  let adminToken: string;

  async function call(method: 'get' | 'post' | 'delete', path: string, token?: string, body?: object): Promise<Response> {
    let test = request(app.getHttpServer())[method](path);
    if (token !== undefined) test = test.set('authorization', `Bearer ${token}`);
    const response = await (body === undefined ? test : test.send(body));
    bodies.push(response.text ?? '');
    return response;
  }

  async function issue(userId: string, name: string): Promise<{ id: number; token: string }> {
    const response = await call('post', '/api/ai/admin/tokens', adminToken, { userId, name });
    expect(response.status).toBe(201);
    return response.body as { id: number; token: string };
  }

  beforeAll(async () => {
    copyFileSync(REPO_YAML, join(dir, 'llm_mgr_cfg.yaml'));
    ({ app } = await createApp({ cwd: dir, env, logger }));
    await app.init();
    const envFile = readFileSync(join(dir, '.env'), 'utf8');
    adminToken = /^LLM_MGR_ADMIN_TOKEN=(.+)$/m.exec(envFile)?.[1] ?? '';
  });
  afterAll(async () => {
    consoleOutput.restore();
    await app?.close();
    database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates the admin token into the temp .env (0600) beside LLM_KEY and the database, and logs only where', () => {
    expect(adminToken).toMatch(/^llma_[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toMatch(/^LLM_KEY=/m);
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    if (database.engine === 'sqlite') expect(existsSync(join(dir, 'llm_config.db'))).toBe(true);
    const announcement = logger.lines.filter((line) => line.includes('LLM_MGR_ADMIN_TOKEN'));
    expect(announcement).toHaveLength(1);
    expect(announcement[0]).toContain(join(dir, '.env'));
  });

  it('admin routes: no token 401, unknown token 401, admin token 200', async () => {
    expect((await call('get', '/api/ai/admin/tokens')).status).toBe(401);
    expect((await call('get', '/api/ai/admin/tokens', 'llma_not-the-admin-token-000000000000000000000')).status).toBe(401);
    expect((await call('get', '/api/ai/admin/tokens', 'llmu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    const listed = await call('get', '/api/ai/admin/tokens', adminToken);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([]);
  });

  it('the admin issues tokens (shown once, validated); a user token is 403 on admin routes', async () => {
    const alice = await issue('alice', 'alice laptop');
    expect(alice.token).toMatch(/^llmu_/);
    expect((await call('post', '/api/ai/admin/tokens', adminToken, { userId: 'alice' })).status).toBe(400);
    expect((await call('post', '/api/ai/admin/tokens', adminToken, { userId: '-1', name: 'x' })).status).toBe(400);
    expect((await call('post', '/api/ai/admin/tokens', adminToken, { userId: 'a', name: 'x', extra: 1 })).status).toBe(400);

    const listed = await call('get', '/api/ai/admin/tokens?userId=alice', adminToken);
    expect(listed.body).toEqual([expect.objectContaining({ id: alice.id, userId: 'alice', prefix: alice.token.slice(0, 12) })]);
    expect(listed.text).not.toContain(alice.token);

    for (const path of ['/api/ai/admin/tokens', '/api/ai/admin/sys-platforms']) {
      const refused = await call('get', path, alice.token);
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
    }
    expect((await call('post', '/api/ai/admin/tokens', alice.token, { userId: 'alice', name: 'more' })).status).toBe(403);
  });

  it("a user token reads its own data and cannot reach another user's", async () => {
    const alice = await issue('alice', 'isolation');
    const bob = await issue('bob', 'isolation');

    const selection = await call('get', '/api/ai/user-selection', alice.token);
    expect(selection.status).toBe(200);
    expect(selection.body).toMatchObject({ user_id: 'alice', usage_key: 'main' });

    const created = await call('post', '/api/ai/user/platforms', alice.token, {
      name: 'Alice private',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKey: 'sk-alice-private-0000111122223333',
      models: [{ displayName: 'a-model', modelName: 'a-model' }],
    });
    expect(created.status).toBe(201);
    const platformId = (created.body as { id: number }).id;

    const bobsView = await call('get', '/api/ai/user/platforms', bob.token);
    expect(bobsView.status).toBe(200);
    expect((bobsView.body as Array<{ id: number }>).map((p) => p.id)).not.toContain(platformId);
    expect((await call('delete', `/api/ai/user/platforms/${platformId}`, bob.token)).status).toBe(404);
    const alicesView = await call('get', '/api/ai/user/platforms', alice.token);
    expect((alicesView.body as Array<{ id: number }>).map((p) => p.id)).toContain(platformId);
    expect((await call('get', '/api/ai/user-selection', bob.token)).body).toMatchObject({ user_id: 'bob' });
  });

  it('a revoked token is 401 at once; other tokens keep working; unknown id 404', async () => {
    const carol = await issue('carol', 'to revoke');
    const dave = await issue('dave', 'to keep');
    expect((await call('get', '/api/ai/user-selection', carol.token)).status).toBe(200);

    const revoked = await call('delete', `/api/ai/admin/tokens/${carol.id}`, adminToken);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: carol.id, revokedAt: expect.any(String) });
    expect((await call('get', '/api/ai/user-selection', carol.token)).status).toBe(401);
    expect((await call('get', '/api/ai/user-selection', dave.token)).status).toBe(200);
    expect((await call('delete', '/api/ai/admin/tokens/99999', adminToken)).status).toBe(404);
    expect((await call('delete', '/api/ai/admin/tokens/abc', adminToken)).status).toBe(400);
  });

  it('the admin issues a token with controls (listed back, invalid ones 400); once expired it is 401 on the REST API', async () => {
    // Whole seconds, as the service keeps them.
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000).toISOString();
    const issued = await call('post', '/api/ai/admin/tokens', adminToken, {
      userId: 'erin', name: 'controlled', expiresAt, allowedModels: ['main'], allowedIps: ['127.0.0.1', '10.0.0.0/8'],
    });
    expect(issued.status).toBe(201);
    const erin = issued.body as { id: number; token: string };
    const listed = await call('get', '/api/ai/admin/tokens?userId=erin', adminToken);
    expect(listed.body).toEqual([expect.objectContaining({ id: erin.id, expiresAt, allowedModels: ['main'], allowedIps: ['127.0.0.1', '10.0.0.0/8'] })]);
    for (const bad of [{ expiresAt: 'soon' }, { expiresAt: '2020-01-01T00:00:00Z' }, { allowedModels: [] }, { allowedIps: ['not-an-ip'] }]) {
      const refused = await call('post', '/api/ai/admin/tokens', adminToken, { userId: 'erin', name: 'bad', ...bad });
      expect({ bad, status: refused.status }).toEqual({ bad, status: 400 });
    }
    // Moved into the past before its first use, so no verification is cached.
    const tokens = app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(ApiTokenEntity);
    await tokens.update({ id: erin.id }, { expiresAt: new Date(Date.now() - 1000) });
    expect((await call('get', '/api/ai/user-selection', erin.token)).status).toBe(401);
  });

  it('a restart reads the admin token back from .env, and issued tokens survive it', async () => {
    const erin = await issue('erin', 'survives restart');
    await app.close();
    const linesBefore = logger.lines.length;
    ({ app } = await createApp({ cwd: dir, env, logger }));
    await app.init();

    expect(readFileSync(join(dir, '.env'), 'utf8').match(/^LLM_MGR_ADMIN_TOKEN=/gm)).toHaveLength(1);
    expect(logger.lines.slice(linesBefore).some((line) => line.includes('LLM_MGR_ADMIN_TOKEN'))).toBe(false);
    expect((await call('get', '/api/ai/admin/tokens', adminToken)).status).toBe(200);
    expect((await call('get', '/api/ai/user-selection', erin.token)).body).toMatchObject({ user_id: 'erin' });
  });

  it('no token ever reached a log line, and the admin token no response', () => {
    const issued = bodies.flatMap((body) => body.match(/llmu_[A-Za-z0-9_-]{43}/g) ?? []);
    expect(issued.length).toBeGreaterThan(0);
    const logs = [...logger.lines, ...consoleOutput.text].join('\n');
    for (const secret of [adminToken, ...issued]) expect(logs).not.toContain(secret);
    expect(bodies.some((body) => body.includes(adminToken))).toBe(false);
  });
});
