import { spawn } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
import { childEnv, ensureCliBuilt, finished } from './cli-harness';
import { CLI_TEST_KEY, CliWorkspace } from './cli-workspace';
import { cliYaml, YAML_ENC_KEY } from './cli-fixtures';

jest.setTimeout(180_000);

const COMMANDS = ['init', 'encrypt', 'probe', 'test', 'sync', 'purge', 'usage', 'rotate-key', 'export-yaml'];
let main: string;
let ws: CliWorkspace;

beforeAll(async () => {
  main = await ensureCliBuilt();
}, 360_000);
beforeEach(() => {
  ws = new CliWorkspace(main);
});
afterEach(() => ws.remove());

describe('the built binary', () => {
  it('starts with a shebang so npm can link it as the bin, ending node\'s own options with --', () => {
    expect(readFileSync(main, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --');
  });

  it('run as its own executable (as the bin link runs it), gets --env-file itself: node 20 took it and exited 9', async () => {
    chmodSync(main, 0o755); // what npm does to a bin when it installs the package
    const result = await finished(spawn(main, ['init', '--env-file', 'new.env'], { cwd: ws.dir, env: childEnv({}), stdio: 'pipe' }));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(ws.dir, 'new.env'), 'utf8')).toMatch(/^LLM_KEY=[A-Za-z0-9_-]{43}$/m);
  });

  it('takes --dotenv, a name of its own, where a node in front of it (npx) would take --env-file', async () => {
    const result = await ws.run(['--dotenv', 'before.env', 'init']);
    expect(result.code).toBe(0);
    expect((await ws.run(['init', '--dotenv=after.env'])).code).toBe(0);
    for (const file of ['before.env', 'after.env']) {
      expect(readFileSync(join(ws.dir, file), 'utf8')).toMatch(/^LLM_KEY=[A-Za-z0-9_-]{43}$/m);
    }
  });

  it('lists every command and the exit codes on --help, and the version on --version', async () => {
    const help = await ws.run(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command} `);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 .*\n {2}2 .*usage.*\n {2}3 .*configuration/);
    const version = await ws.run(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync('package.json', 'utf8')).version}\n` });
  });

  it.each(COMMANDS)('explains %s on --help with its options and exit codes', async (command) => {
    const result = await ws.run([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: llm-mgr ${command}`));
    expect(result.stdout).toContain('Options:');
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 /);
    expect(result.stderr).toBe('');
  });

  it('answers `help <command>` like `<command> --help`', async () => {
    const [viaHelp, viaOption] = await Promise.all([ws.run(['help', 'purge']), ws.run(['purge', '--help'])]);
    expect(viaHelp).toMatchObject({ code: 0, stdout: viaOption.stdout });
  });

  it.each([
    [[], /Usage: llm-mgr <command>/],
    [['frobnicate'], /Unknown command 'frobnicate'\. Commands: init, encrypt/],
    [['sync', '--frobnicate'], /Unknown option --frobnicate for 'llm-mgr sync'/],
    [['sync', '--force=yes'], /Option --force takes no value/],
    [['purge', '--older-than'], /Option --older-than needs a value/],
    [['test', 'Fake'], /'llm-mgr test' needs <model>/],
    [['purge', '--older-than', 'ninety days'], /--older-than takes an age such as 90d/],
    [['purge'], /needs --older-than <age>/],
    [['--force', 'sync'], /Unknown option --force before the command/],
  ])('ends %j with exit code 2 and one line saying what to do', async (args, message) => {
    const result = await ws.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('llm-mgr init', () => {
  it('writes a generated LLM_KEY into a new .env with mode 0600 and never prints it', async () => {
    const result = await ws.run(['init']);
    expect(result.code).toBe(0);
    const key = ws.readEnv().LLM_KEY;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ws.envMode()).toBe(0o600);
    expect(result.stdout).toContain(`fingerprint ${new SecretCipher(key).fingerprint()}`);
    expect(result.stdout + result.stderr).not.toContain(key);
  });

  it('keeps the other lines of an existing .env and refuses to replace a key without --force', async () => {
    ws.writeEnv({ OTHER: 'kept', LLM_KEY: CLI_TEST_KEY });
    const refused = await ws.run(['init']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --force');
    expect(ws.readEnv()).toEqual({ OTHER: 'kept', LLM_KEY: CLI_TEST_KEY });

    const replaced = await ws.run(['init', '--force']);
    expect(replaced.code).toBe(0);
    const env = ws.readEnv();
    expect(env.OTHER).toBe('kept');
    expect(env.LLM_KEY).not.toBe(CLI_TEST_KEY);
    expect(ws.envMode()).toBe(0o600);
  });

  it('refuses --force while data is encrypted with the current key, pointing to rotate-key', async () => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    ws.writeYaml(cliYaml('http://127.0.0.1:9/v1', new SecretCipher(CLI_TEST_KEY)));
    const result = await ws.run(['init', '--force']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('rotate-key');
    expect(ws.readEnv().LLM_KEY).toBe(CLI_TEST_KEY);
  });

  it('refuses to write a second key to .env when LLM_KEY comes from the environment', async () => {
    const result = await ws.run(['init'], { env: { LLM_KEY: CLI_TEST_KEY } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already set in the environment');
  });
});

describe('llm-mgr encrypt', () => {
  const apiKey = 'sk-typed-into-stdin-0123456789abcdef';

  it('reads the key from a pipe and prints only an ENC:v1 envelope that opens with LLM_KEY', async () => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    const result = await ws.run(['encrypt'], { stdin: `${apiKey}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ENC:v1:[A-Za-z0-9_-]+\n$/);
    expect(new SecretCipher(CLI_TEST_KEY).decrypt(result.stdout.trim())).toBe(apiKey);
    expect(result.stdout + result.stderr).not.toContain(apiKey);
  });

  it('makes values the YAML loader accepts (the envelope format of the database)', async () => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    const result = await ws.run(['encrypt'], { stdin: YAML_ENC_KEY });
    expect(new SecretCipher(CLI_TEST_KEY).decrypt(result.stdout.trim())).toBe(YAML_ENC_KEY);
  });

  it('refuses a key given as an argument without echoing it', async () => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    const result = await ws.run(['encrypt', apiKey]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('reads the key from stdin');
    expect(result.stdout + result.stderr).not.toContain(apiKey);
  });

  it.each([
    ['empty stdin', '', /is empty/],
    ['two lines', 'sk-one\nsk-two\n', /more than one line/],
  ])('refuses %s with exit code 2', async (_name, stdin, message) => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    const result = await ws.run(['encrypt'], { stdin });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('ends with exit code 3 when there is no LLM_KEY, saying how to make one', async () => {
    const result = await ws.run(['encrypt'], { stdin: apiKey });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: LLM_KEY is not set\./);
    expect(result.stderr).toContain('npx llm-mgr init');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('ends with exit code 3 on a key that is too short, without printing it', async () => {
    const result = await ws.run(['encrypt'], { stdin: apiKey, env: { LLM_KEY: 'short-master-key' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('at least 32');
    expect(result.stderr).not.toContain('short-master-key');
  });
});
