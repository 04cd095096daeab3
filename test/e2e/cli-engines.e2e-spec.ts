import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
import type { SyncReport } from '../../src/llm-manager/yaml-sync/sync-report';
import { loadYamlConfig, parseYamlConfig } from '../../src/llm-manager/yaml-sync/yaml-config.loader';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { createTestDatabase, type TestDatabase, type TestEngineName } from '../support/test-engine';
import { openForInspection } from './cli-databases';
import { ensureCliBuilt, finished, waitForStderr } from './cli-harness';
import { CLI_TEST_KEY, CliWorkspace } from './cli-workspace';
import {
  ALICE_OWN_KEY,
  BOB_PLATFORM_KEY,
  cliYaml,
  expectNoPlainKeys,
  keyIsRejected,
  openEverything,
  seedUserSecrets,
  YAML_ENC_KEY,
  YAML_PLAIN_KEY,
} from './cli-fixtures';

jest.setTimeout(240_000);

const OPENED = { database: [ALICE_OWN_KEY, BOB_PLATFORM_KEY, YAML_ENC_KEY, YAML_PLAIN_KEY].sort(), yaml: [YAML_ENC_KEY] };
const NEW_KEY = 'the-new-master-key-from-stdin-0123456789ab';

let main: string;

beforeAll(async () => {
  main = await ensureCliBuilt();
}, 360_000);

// Each engine runs in a schema or database of its own, created here and dropped after; a server that is down fails
// the run. SQLite on the sqlite3 package is chosen by its URL (`sqlite3:<file>`), in a folder of its own.
describe.each<[string, TestEngineName]>([
  ['PostgreSQL', 'postgres'],
  ['MariaDB', 'mariadb'],
  ['SQLite through the sqlite3 package', 'sqlite3'],
])('the CLI on %s (LLM_MGR_DATABASE_URL)', (_name, engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-cli-engine-'));
  let database: TestDatabase;
  let ws: CliWorkspace;

  beforeAll(async () => {
    database = createTestDatabase(engine, join(dir, 'cli.db'));
    ws = new CliWorkspace(main, database.url);
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    ws.writeYaml(cliYaml('http://127.0.0.1:9/v1', new SecretCipher(CLI_TEST_KEY)));
  });
  afterAll(async () => {
    ws?.remove();
    database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs: the first import, then an incremental one, then a force reset', async () => {
    const first = await ws.run(['sync', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ mode: 'initial', added: expect.arrayContaining(['Fake', 'Sealed/sealed-chat', 'usage:fast']) });
    const again = JSON.parse((await ws.run(['sync', '--json'])).stdout) as SyncReport;
    expect(again).toMatchObject({ mode: 'incremental', added: [] });
    const reset = await ws.run(['sync', '--force']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^replaced \(\d+\):\n {2}Fake\n/m);
    await seedUserSecrets(database.url, new SecretCipher(CLI_TEST_KEY));
  });

  it('exports the system catalogue as YAML that loads back to the same platforms', async () => {
    const result = await ws.run(['export-yaml']);
    expect(result.code).toBe(0);
    const exported = parseYamlConfig(result.stdout, 'exported.yaml');
    const original = loadYamlConfig(ws.yamlPath);
    expect(exported.platforms.map((p) => [p.name, p.baseUrl, p.models])).toEqual(original.platforms.map((p) => [p.name, p.baseUrl, p.models]));
    expect(exported.usages).toEqual(original.usages);
    expectNoPlainKeys(result.stdout);
  });

  it('purges usage rows older than the age', async () => {
    const dataSource = await openForInspection(database.url);
    try {
      const now = Date.now();
      const rows = [1, 100, 200].map((days) => ({ userId: 'alice', modelId: null, success: true, createdAt: new Date(now - days * 86_400_000) }));
      await dataSource.getRepository(UsageLogEntryEntity).insert(rows);
      const result = await ws.run(['purge', '--older-than', '90d']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Purged 2 usage rows created before/);
      expect(await dataSource.getRepository(UsageLogEntryEntity).count()).toBe(1);
    } finally {
      await dataSource.destroy();
    }
  });

  it('rotates the key; a rotation killed before its commit leaves the old key opening everything', async () => {
    const child = ws.spawn(['rotate-key', '--new-key-from-stdin'], {
      stdin: NEW_KEY,
      env: { LLM_MGR_CLI_TEST_PAUSE_AT: 'before-commit' },
    });
    const exit = finished(child);
    await waitForStderr(child, 'paused at before-commit');
    child.kill('SIGKILL');
    await exit;
    expect(await openEverything(database.url, ws.yamlPath, CLI_TEST_KEY)).toEqual(OPENED);

    const rotated = await ws.run(['rotate-key', '--new-key-from-stdin'], { stdin: NEW_KEY });
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('Discarded a key rotation interrupted before its database commit');
    expect(rotated.stdout).toContain('Re-encrypted 4 stored secret(s) and the key check, and 1 ENC value(s)');
    expect(ws.readEnv().LLM_KEY).toBe(NEW_KEY);
    expect(await openEverything(database.url, ws.yamlPath, NEW_KEY)).toEqual(OPENED);
    expect(await keyIsRejected(database.url, CLI_TEST_KEY)).toBe(true);
    expect((await ws.run(['sync'])).code).toBe(0);
  });
});
