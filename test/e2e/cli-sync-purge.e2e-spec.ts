import { existsSync, readFileSync } from 'node:fs';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
import type { SyncReport } from '../../src/llm-manager/yaml-sync/sync-report';
import { openForInspection } from './cli-databases';
import { ensureCliBuilt } from './cli-harness';
import { CLI_TEST_KEY, CliWorkspace } from './cli-workspace';
import { cliYaml, expectNoPlainKeys } from './cli-fixtures';

jest.setTimeout(180_000);

const DAY_MS = 86_400_000;
let main: string;
let ws: CliWorkspace;

beforeAll(async () => {
  main = await ensureCliBuilt();
}, 360_000);
beforeEach(() => {
  ws = new CliWorkspace(main);
  ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
  ws.writeYaml(cliYaml('http://127.0.0.1:9/v1', new SecretCipher(CLI_TEST_KEY)));
});
afterEach(() => ws.remove());

async function syncReport(args: string[]): Promise<SyncReport> {
  const result = await ws.run(['sync', ...args, '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as SyncReport;
}

describe('llm-mgr sync', () => {
  it('imports everything on an empty database and says what it added, on stdout, keys never shown', async () => {
    const result = await ws.run(['sync']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(initial).');
    expect(result.stdout).toMatch(/^added \(13\):\n {2}Fake\n {2}Fake\/chat\n/m);
    expect(result.stdout).toContain('  usage:main\n');
    expect(result.stdout.trim().split('\n').pop()).toBe('YAML sync (initial): 13 added.');
    expect(result.stderr).toMatch(/^warning: Platform 'Plain' in .* has a plain-text api_key/);
    expectNoPlainKeys(result.stdout + result.stderr + readFileSync(ws.dbPath).toString('latin1'));
  });

  it('then adds only what is new, and a force reset replaces the system platforms from the YAML', async () => {
    await syncReport([]);
    const again = await syncReport([]);
    expect(again).toMatchObject({ mode: 'incremental', added: [], replaced: [], removed: [] });
    expect(again.kept).toEqual(expect.arrayContaining(['Fake', 'Fake/chat', 'usage:main']));

    ws.writeYaml(ws.readYaml().replace('      broken: fake-error-500\n', '      newer: fake-chat\n'));
    const incremental = await syncReport([]);
    expect(incremental.added).toEqual(['Fake/newer']);
    expect(incremental.removed).toEqual([]);

    const reset = await syncReport(['--force']);
    expect(reset.mode).toBe('reset');
    expect(reset.replaced).toEqual(expect.arrayContaining(['Fake', 'Fake/chat', 'Sealed']));
    expect(reset.removed).toEqual(['Fake/broken']);
    const text = await ws.run(['sync', '--force']);
    expect(text.stdout).toMatch(/^replaced \(\d+\):\n {2}Fake\n/m);
  });

  it('refuses an invalid YAML with exit code 3, file:line:column, and leaves the database untouched', async () => {
    await syncReport([]);
    const before = readFileSync(ws.dbPath);
    ws.writeYaml(ws.readYaml().replace('base_url: http://127.0.0.1:9/v1\n    api_key: sk', 'baseUrl: http://127.0.0.1:9/v1\n    api_key: sk'));
    const result = await ws.run(['sync', '--force']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: .*llm_mgr_cfg\.yaml:\d+:\d+: platforms\.Plain\.baseUrl: Unknown field 'baseUrl'/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(ws.dbPath).equals(before)).toBe(true);
  });

  it('refuses a wrong LLM_KEY with exit code 3 and prints a stack only with --debug, never a key', async () => {
    await syncReport([]);
    const wrong = 'a-wrong-master-key-that-is-long-enough-00';
    const plain = await ws.run(['sync'], { env: { LLM_KEY: wrong } });
    expect(plain.code).toBe(3);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await ws.run(['--debug', 'sync'], { env: { LLM_KEY: wrong } });
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expectNoPlainKeys(plain.stderr + debug.stderr, [wrong, CLI_TEST_KEY]);
  });

  it('refuses to start without LLM_KEY (exit code 3) before the database file is created', async () => {
    ws.writeEnv({});
    const result = await ws.run(['sync']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: LLM_KEY is not set\..*npx llm-mgr init/);
    expect(existsSync(ws.dbPath)).toBe(false);
  });

  it('ends with exit code 1 when the database cannot be reached', async () => {
    const result = await ws.run(['sync'], { env: { LLM_MGR_DATABASE_URL: 'postgres://nobody:pw-secret-123@127.0.0.1:9/none' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*ECONNREFUSED/);
    expect(result.stderr).not.toContain('pw-secret-123');
  });
});

describe('llm-mgr purge', () => {
  /** Usage rows at `ages` days before now, written straight into the database. */
  async function seedUsage(ages: number[]): Promise<void> {
    const dataSource = await openForInspection(ws.databaseUrl);
    try {
      const now = Date.now();
      const rows = ages.map((age) => ({
        userId: 'alice',
        modelId: null,
        success: true,
        totalTokens: 1,
        createdAt: new Date(now - age * DAY_MS),
      }));
      await dataSource.transaction(async (manager) => {
        for (let start = 0; start < rows.length; start += 500) await manager.insert(UsageLogEntryEntity, rows.slice(start, start + 500));
      });
    } finally {
      await dataSource.destroy();
    }
  }

  async function countUsage(): Promise<number> {
    const dataSource = await openForInspection(ws.databaseUrl);
    try {
      return await dataSource.getRepository(UsageLogEntryEntity).count();
    } finally {
      await dataSource.destroy();
    }
  }

  beforeEach(async () => {
    await syncReport([]);
  });

  it('deletes the rows older than the age and prints the count; --dry-run only counts', async () => {
    await seedUsage([1, 10, 100, 200]);
    const dry = await ws.run(['purge', '--older-than', '90d', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Would purge 2 usage rows created before \d{4}-/) });
    expect(await countUsage()).toBe(4);
    const result = await ws.run(['purge', '--older-than', '90d']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Purged 2 usage rows created before \d{4}-\d{2}-\d{2}T/);
    expect(await countUsage()).toBe(2);
    expect((await ws.run(['purge', '--older-than', '2w'])).stdout).toMatch(/^Purged 0 usage rows/);
  });

  it('reports progress on stderr for a large delete', async () => {
    await seedUsage(Array.from({ length: 12_000 }, (_, index) => 91 + (index % 300)).concat([1, 2, 3]));
    const result = await ws.run(['purge', '--older-than', '90d']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Purged 12000 usage rows/);
    const progress = result.stderr.trim().split('\n');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.every((line) => /^purge: \d+ of 12000 rows deleted \(\d+%\)$/.test(line))).toBe(true);
    expect(progress[progress.length - 1]).toBe('purge: 12000 of 12000 rows deleted (100%)');
    expect(await countUsage()).toBe(3);
  });
});

describe('llm-mgr usage', () => {
  beforeEach(async () => {
    await syncReport([]);
    const dataSource = await openForInspection(ws.databaseUrl);
    try {
      const now = Date.now();
      const row = (userId: string, days: number, tokens: [number, number], costMicroUsd: number | null, agentName: string | null = null) => ({
        userId,
        modelId: null,
        success: true,
        promptTokens: tokens[0],
        completionTokens: tokens[1],
        totalTokens: tokens[0] + tokens[1],
        costMicroUsd,
        agentName,
        createdAt: new Date(now - days * DAY_MS),
      });
      await dataSource.getRepository(UsageLogEntryEntity).insert([
        row('alice', 1, [1000, 200], 2400, 'muse'),
        row('alice', 2, [100, 50], null, 'critic'),
        row('bob', 1, [10, 10], 1_500_000),
        row('alice', 100, [5000, 5000], 9_000_000),
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('prints tokens with their cost in USD and the unpriced calls, in total, per user, and per agent of one user', async () => {
    const total = await ws.run(['usage', '--since', '30d']);
    expect(total).toMatchObject({ code: 0, stdout: expect.stringMatching(/^total: 1,370 tokens .*cost \$1\.5024 \(1 unpriced call\), 3 requests, 0 errors\n$/) });
    const users = await ws.run(['usage', '--since', '30d', '--by', 'user']);
    expect(users.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^user alice: 1,350 tokens .*cost \$0\.0024 \(1 unpriced call\), 2 requests/),
      expect.stringMatching(/^user bob: 20 tokens .*cost \$1\.5, 1 request/),
    ]);
    const json = JSON.parse((await ws.run(['usage', '--user', 'alice', '--by', 'agent', '--since', '30d', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(json.map((a) => [a['agent_name'], a['cost'], a['unpriced_calls']])).toEqual([
      ['muse', 0.0024, 0],
      ['critic', 0, 1],
    ]);
    expect(JSON.parse((await ws.run(['usage', '--json'])).stdout)).toMatchObject({ requests: 4, cost: 10.5024, unpriced_calls: 1 });
  });

  it('refuses --by model without --user, and an unknown --by (exit code 2)', async () => {
    expect(await ws.run(['usage', '--by', 'model'])).toMatchObject({ code: 2, stderr: expect.stringContaining("'--by model' needs --user <id>") });
    expect(await ws.run(['usage', '--by', 'platform'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--by takes user, model or agent') });
  });
});
