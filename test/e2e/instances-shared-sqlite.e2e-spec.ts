import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { PlatformEntity } from '../../src/llm-manager/database/platform.entity';
import { LLM_MANAGER_MIGRATIONS, LLM_MANAGER_MIGRATIONS_TABLE } from '../../src/llm-manager/migrations';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { StandaloneProcess } from '../support/standalone-process';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

const ADMIN_TOKEN = 'llma_sqlite-instances-admin-token-0123456789abcdef';
const STARTED_TOGETHER = 8;
const WRITES_PER_SERVER = 140;
const CONCURRENCY = 4;
/** Eight servers compiling and starting on two shared cores: start-up is slow here, and that is not what is tested. */
const HEALTHY_WITHIN_MS = 360_000;

/**
 * Issue 14, finding 11, across processes: standalone servers (real child processes) on one SQLite file. Eight started
 * at the same moment on a new file all come up; two writing configuration at once answer every write, none with 500.
 */
describe('standalone servers on one SQLite file', () => {
  let upstream: FakeUpstream;
  let dir: string;
  let servers: StandaloneProcess[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-sqlite-instances-'));
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (): Record<string, string> => ({
    LLM_MGR_DATABASE_URL: join(dir, 'llm_config.db'),
    LLM_KEY: TEST_MASTER_KEY,
    LLM_MGR_ADMIN_TOKEN: ADMIN_TOKEN,
    [SYSTEM_KEY_ENV]: SYSTEM_KEY,
    LLM_MGR_USAGE_JOURNAL: 'off',
  });

  async function call(server: StandaloneProcess, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  it(`${STARTED_TOGETHER} started at once on a new file all come up: migrated once, the YAML imported once`, async () => {
    const started = await Promise.allSettled(
      Array.from({ length: STARTED_TOGETHER }, (_, i) => StandaloneProcess.start(`S${i}`, dir, env(), HEALTHY_WITHIN_MS)),
    );
    servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason).split('\n').filter((line) => /ERROR|rror:|exited|did not/.test(line)).join('\n').slice(0, 3000)] : []));
    expect(failures).toEqual([]);

    const inspect = await openDataSource({ type: 'better-sqlite3', database: join(dir, 'llm_config.db') });
    try {
      const platforms = await inspect.getRepository(PlatformEntity).find({ order: { id: 'ASC' } });
      expect(platforms.map((p) => p.name)).toEqual(['Fake', 'Spare']);
      const migrations = (await inspect.query(`SELECT name FROM ${LLM_MANAGER_MIGRATIONS_TABLE}`)) as unknown[];
      expect(migrations).toHaveLength(LLM_MANAGER_MIGRATIONS.length);
    } finally {
      await inspect.destroy();
    }
    // The next test needs two; the others only cost CPU.
    await Promise.all(servers.slice(2).map((server) => server.stop()));
    servers = servers.slice(0, 2);
  }, HEALTHY_WITHIN_MS + 60_000);

  it('two writing configuration at once: every write answered 2xx, none 500', async () => {
    // Run alone (-t), this test starts its own two.
    if (servers.length < 2) servers = await Promise.all(['A', 'B'].map((name) => StandaloneProcess.start(name, dir, env(), HEALTHY_WITHIN_MS)));
    const [a, b] = servers;
    const { json: issued } = await call(a, 'POST', '/api/ai/admin/tokens', ADMIN_TOKEN, { userId: 'alice', name: 'hammer' });
    const alice = issued.token as string;
    const { json: listed } = await call(a, 'GET', '/api/ai/admin/sys-platforms', ADMIN_TOKEN);
    const fake = (listed as unknown as Array<{ id: number; name: string }>).find((p) => p.name === 'Fake')!;

    const statuses = new Map<number, number>();
    const failed: string[] = [];
    const hammer = async (server: StandaloneProcess, lane: number): Promise<void> => {
      for (let i = lane; i < WRITES_PER_SERVER; i += CONCURRENCY) {
        const write =
          i % 2 === 0
            ? call(server, 'POST', '/api/ai/user/api-key', alice, { platformId: fake.id, apiKey: `sk-hammer-${server.name}-${i}-000011112222` })
            : call(server, 'POST', '/api/ai/admin/tokens', ADMIN_TOKEN, { userId: `u-${server.name}-${i}`, name: 'hammer' });
        const { status, json } = await write;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 300) failed.push(`${server.name} ${status} ${JSON.stringify(json)}`);
      }
    };
    const started = Date.now();
    await Promise.all([a, b].flatMap((server) => Array.from({ length: CONCURRENCY }, (_, lane) => hammer(server, lane))));
    process.stderr.write(`SQLite hammer: ${2 * WRITES_PER_SERVER} writes in ${Date.now() - started} ms, statuses ${JSON.stringify([...statuses])}\n`);
    const logged = (server: StandaloneProcess): string[] => server.log.split('\n').filter((line) => /ERROR|Error|error/.test(line));
    expect({ failed, logged: [...logged(a), ...logged(b)] }).toEqual({ failed: [], logged: [] });
    expect([...statuses.values()].reduce((sum, n) => sum + n, 0)).toBe(2 * WRITES_PER_SERVER);
  }, 180_000);
});
