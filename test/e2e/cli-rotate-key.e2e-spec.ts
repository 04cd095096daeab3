import { existsSync, readFileSync } from 'node:fs';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
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

const NEW_KEY = 'the-new-master-key-from-stdin-0123456789ab';
/** What the store and the YAML hold in plain text once opened, before and after any rotation. */
const OPENED = { database: [ALICE_OWN_KEY, BOB_PLATFORM_KEY, YAML_ENC_KEY, YAML_PLAIN_KEY].sort(), yaml: [YAML_ENC_KEY] };

let main: string;
let ws: CliWorkspace;

beforeAll(async () => {
  main = await ensureCliBuilt();
}, 360_000);
beforeEach(async () => {
  ws = new CliWorkspace(main);
  ws.writeEnv({ OTHER_SETTING: 'kept', LLM_KEY: CLI_TEST_KEY });
  ws.writeYaml(cliYaml('http://127.0.0.1:9/v1', new SecretCipher(CLI_TEST_KEY)));
  expect((await ws.run(['sync'])).code).toBe(0);
  await seedUserSecrets(ws.databaseUrl, new SecretCipher(CLI_TEST_KEY));
});
afterEach(() => ws.remove());

describe('llm-mgr rotate-key', () => {
  it('re-encrypts every secret of the database and the YAML with a generated key written only to .env', async () => {
    const yamlBefore = ws.readYaml();
    const result = await ws.run(['rotate-key']);
    expect(result.code).toBe(0);
    const newKey = ws.readEnv().LLM_KEY;
    expect(newKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ws.readEnv().OTHER_SETTING).toBe('kept');
    expect(ws.envMode()).toBe(0o600);
    expect(result.stdout).toContain(`fingerprint ${new SecretCipher(CLI_TEST_KEY).fingerprint()} → ${new SecretCipher(newKey).fingerprint()}`);
    expect(result.stdout).toContain('Re-encrypted 4 stored secret(s) and the key check, and 1 ENC value(s)');
    expectNoPlainKeys(result.stdout + result.stderr, [newKey, CLI_TEST_KEY]);

    expect(await openEverything(ws.databaseUrl, ws.yamlPath, newKey)).toEqual(OPENED);
    expect(await keyIsRejected(ws.databaseUrl, CLI_TEST_KEY)).toBe(true);
    // Only the ENC value changed: comments, order and quoting of the YAML are the operator's.
    const strip = (text: string): string => text.replace(/ENC:v1:[A-Za-z0-9_-]+/g, 'ENC');
    expect(strip(ws.readYaml())).toBe(strip(yamlBefore));
    expect(ws.readYaml()).not.toBe(yamlBefore);
    expect(existsSync(`${ws.envPath}.rotating`) || existsSync(`${ws.yamlPath}.rotating`)).toBe(false);

    // The library starts on the new key: a sync opens the YAML and the database with it.
    expect((await ws.run(['sync'])).code).toBe(0);
  });

  it('takes the new key from stdin and prints it only with --print', async () => {
    const result = await ws.run(['rotate-key', '--new-key-from-stdin', '--print'], { stdin: `${NEW_KEY}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${NEW_KEY}\n`);
    expect(result.stderr).toContain('Rotated LLM_KEY');
    expect(ws.readEnv().LLM_KEY).toBe(NEW_KEY);
    expect(await openEverything(ws.databaseUrl, ws.yamlPath, NEW_KEY)).toEqual(OPENED);
  });

  it('changes nothing when the current key does not open everything (exit code 3)', async () => {
    const wrong = 'a-wrong-master-key-that-is-long-enough-00';
    const dbBefore = readFileSync(ws.dbPath);
    const yamlBefore = ws.readYaml();
    const result = await ws.run(['rotate-key'], { env: { LLM_KEY: wrong } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: LLM_KEY does not match the key this database was encrypted with/);
    expect(readFileSync(ws.dbPath).equals(dbBefore)).toBe(true);
    expect(ws.readYaml()).toBe(yamlBefore);
    expect(ws.readEnv().LLM_KEY).toBe(CLI_TEST_KEY);
    expect(existsSync(`${ws.envPath}.rotating`)).toBe(false);
  });

  it.each([
    ['the new key equals the old one', CLI_TEST_KEY, 2, /is the current LLM_KEY/],
    ['the new key is too short', 'short-new-key', 3, /at least 32/],
  ])('refuses when %s', async (_name, stdin, code, message) => {
    const result = await ws.run(['rotate-key', '--new-key-from-stdin'], { stdin });
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(await openEverything(ws.databaseUrl, ws.yamlPath, CLI_TEST_KEY)).toEqual(OPENED);
  });

  it('killed before the commit, leaves the old key opening everything; a fresh rotation then completes', async () => {
    const child = ws.spawn(['rotate-key', '--new-key-from-stdin'], {
      stdin: NEW_KEY,
      env: { LLM_MGR_CLI_TEST_PAUSE_AT: 'before-commit' },
    });
    const exit = finished(child);
    await waitForStderr(child, 'paused at before-commit');
    child.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');

    expect(existsSync(`${ws.envPath}.rotating`)).toBe(true);
    expect(ws.readEnv().LLM_KEY).toBe(CLI_TEST_KEY);
    expect(await openEverything(ws.databaseUrl, ws.yamlPath, CLI_TEST_KEY)).toEqual(OPENED);
    // The library itself still starts on the old key.
    expect((await ws.run(['sync'])).code).toBe(0);

    const again = await ws.run(['rotate-key']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('Discarded a key rotation interrupted before its database commit');
    const newKey = ws.readEnv().LLM_KEY;
    expect(newKey).not.toBe(NEW_KEY);
    expect(await openEverything(ws.databaseUrl, ws.yamlPath, newKey)).toEqual(OPENED);
    expect(existsSync(`${ws.envPath}.rotating`) || existsSync(`${ws.yamlPath}.rotating`)).toBe(false);
  });

  it('killed after the commit, keeps the new key in the journal; commands say so, and rotate-key finishes', async () => {
    const child = ws.spawn(['rotate-key', '--new-key-from-stdin'], {
      stdin: NEW_KEY,
      env: { LLM_MGR_CLI_TEST_PAUSE_AT: 'after-commit' },
    });
    const exit = finished(child);
    await waitForStderr(child, 'paused at after-commit');
    child.kill('SIGKILL');
    await exit;

    expect(await keyIsRejected(ws.databaseUrl, CLI_TEST_KEY)).toBe(true);
    const refused = await ws.run(['sync']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("a key rotation was interrupted (");
    expect(refused.stderr).toContain("run 'npx llm-mgr rotate-key' to finish or undo it");

    const finish = await ws.run(['rotate-key']);
    expect(finish.code).toBe(0);
    expect(finish.stdout).toContain('Finished the key rotation interrupted after its database commit');
    expect(ws.readEnv()).toEqual({ OTHER_SETTING: 'kept', LLM_KEY: NEW_KEY });
    expect(await openEverything(ws.databaseUrl, ws.yamlPath, NEW_KEY)).toEqual(OPENED);
    expect((await ws.run(['sync'])).code).toBe(0);
  });

  it('killed after the YAML was renamed, finishes with .env alone', async () => {
    const child = ws.spawn(['rotate-key', '--new-key-from-stdin'], {
      stdin: NEW_KEY,
      env: { LLM_MGR_CLI_TEST_PAUSE_AT: 'after-yaml' },
    });
    const exit = finished(child);
    await waitForStderr(child, 'paused at after-yaml');
    child.kill('SIGKILL');
    await exit;
    expect(existsSync(`${ws.yamlPath}.rotating`)).toBe(false);
    expect(ws.readEnv().LLM_KEY).toBe(CLI_TEST_KEY);

    expect((await ws.run(['rotate-key'])).code).toBe(0);
    expect(ws.readEnv().LLM_KEY).toBe(NEW_KEY);
    expect(await openEverything(ws.databaseUrl, ws.yamlPath, NEW_KEY)).toEqual(OPENED);
  });
});
