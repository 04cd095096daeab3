import { existsSync } from 'node:fs';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { ensureCliBuilt } from './cli-harness';
import { CLI_TEST_KEY, CliWorkspace } from './cli-workspace';
import { cliYaml, expectNoPlainKeys, UPSTREAM_KEY, UPSTREAM_KEY_ENV, YAML_ENC_KEY } from './cli-fixtures';

jest.setTimeout(180_000);

let main: string;
let upstream: FakeUpstream;
let ws: CliWorkspace;

beforeAll(async () => {
  main = await ensureCliBuilt();
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, models: ['fake-chat', 'fake-reasoning', '通义-model'] });
}, 360_000);
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.reset();
  ws = new CliWorkspace(main);
});
afterEach(() => ws.remove());

describe('llm-mgr probe', () => {
  it('prints the model list as a table, with the key from an environment variable in .env', async () => {
    ws.writeEnv({ [UPSTREAM_KEY_ENV]: UPSTREAM_KEY });
    const result = await ws.run(['probe', upstream.url, '--key-env', UPSTREAM_KEY_ENV]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual(['#  MODEL ID', '-  --------------', '1  fake-chat', '2  fake-reasoning', '3  通义-model', '']);
    expect(result.stderr).toContain('3 models at');
    expect(upstream.requests[0].authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expectNoPlainKeys(result.stdout + result.stderr);
  });

  it('reads the key from stdin and needs no database and no LLM_KEY', async () => {
    const result = await ws.run(['probe', upstream.url, '--key-stdin', '--json'], { stdin: `${UPSTREAM_KEY}\n` });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['fake-chat', 'fake-reasoning', '通义-model']);
    expect(upstream.requests[0].authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(existsSync(ws.dbPath)).toBe(false);
  });

  it('ends with exit code 1 and the upstream refusal when the key is wrong, without printing the key', async () => {
    const result = await ws.run(['probe', upstream.url, '--key-stdin'], { stdin: 'sk-wrong-key-000011112222' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: The platform rejected the API key \(HTTP 401\)/);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('sk-wrong-key-000011112222');
  });

  it('ends with exit code 1 when nothing listens at the URL', async () => {
    const result = await ws.run(['probe', 'http://127.0.0.1:9/v1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('127.0.0.1:9 is unreachable');
  });

  it.each([
    [['probe', 'not a url'], 2, /not a valid URL/],
    [['probe', 'ftp://example.com/v1'], 2, /must use http or https/],
    [['probe', 'http://127.0.0.1:9/v1', '--key-env', 'NOT_SET_ANYWHERE'], 3, /NOT_SET_ANYWHERE is not set/],
    [['probe', 'http://127.0.0.1:9/v1', '--key-env', 'sk-live-looks-like-a-key'], 2, /name of an environment variable/],
    [['probe', 'http://127.0.0.1:9/v1', '--key-env', 'X', '--key-stdin'], 2, /Give the key one way/],
  ])('refuses %j with exit code %i', async (args, code, message) => {
    const result = await ws.run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('sk-live-looks-like-a-key');
  });
});

describe('llm-mgr test', () => {
  beforeEach(async () => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY, [UPSTREAM_KEY_ENV]: UPSTREAM_KEY });
    ws.writeYaml(cliYaml(upstream.url, new SecretCipher(CLI_TEST_KEY)));
    expect((await ws.run(['sync'])).code).toBe(0);
    upstream.reset();
  });

  it('sends one tiny request with the system key and prints the latency', async () => {
    const result = await ws.run(['test', 'Fake', 'chat']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK {2}Fake \/ chat \(fake-chat\) answered in \d+ ms\.\n$/);
    expect(upstream.chatRequests).toHaveLength(1);
    expect(upstream.chatRequests[0].authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('merges extra_body, and prints JSON with --json', async () => {
    const thinking = await ws.run(['test', 'Fake', 'thinking', '--json']);
    expect(thinking.code).toBe(0);
    expect(JSON.parse(thinking.stdout)).toEqual({ ok: true, latencyMs: expect.any(Number), platform: 'Fake', model: 'thinking' });
    expect(upstream.chatRequests[0].body).toMatchObject({ model: 'fake-reasoning', enable_thinking: true, thinking_budget: 256 });
  });

  it("sends the YAML's ENC key decrypted, and reports the upstream's 401 with exit code 1", async () => {
    const result = await ws.run(['test', 'Sealed', 'sealed-chat', '--json']);
    expect(result.code).toBe(1);
    expect(upstream.chatRequests[0].authorization).toBe(`Bearer ${YAML_ENC_KEY}`);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, status: 401 });
    expect(result.stderr).toMatch(/^error: Sealed \/ sealed-chat \(fake-chat\) failed after \d+ ms: HTTP 401: /);
    expectNoPlainKeys(result.stdout + result.stderr);
  });

  it("ends with exit code 1 and the upstream's error when the model fails", async () => {
    const result = await ws.run(['test', 'Fake', 'broken']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: Fake \/ broken \(fake-error-500\) failed after \d+ ms: HTTP 500: /);
    expect(upstream.chatRequests).toHaveLength(1);
    expectNoPlainKeys(result.stderr);
  });

  it.each([
    [['test', 'Nope', 'chat'], 2, /No system platform 'Nope'\. System platforms: Fake, Sealed, Plain, Local\./],
    [['test', 'Fake', 'nope'], 2, /No model 'nope' on platform 'Fake'\. Its models: chat, broken, thinking\./],
  ])('refuses %j with exit code %i, naming what exists', async (args, code, message) => {
    const result = await ws.run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(upstream.chatRequests).toHaveLength(0);
  });

  it('ends with exit code 3 when the platform has no key, and when LLM_KEY is wrong', async () => {
    ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
    const noKey = await ws.run(['test', 'Fake', 'chat']);
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain(UPSTREAM_KEY_ENV);
    const wrongKey = await ws.run(['test', 'Fake', 'chat'], { env: { LLM_KEY: 'another-master-key-of-forty-characters-xx' } });
    expect(wrongKey.code).toBe(3);
    expect(wrongKey.stderr).toMatch(/^error: LLM_KEY does not match the key this database was encrypted with/);
    expect(upstream.chatRequests).toHaveLength(0);
  });
});
