import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
import type { YamlConfig } from '../../src/llm-manager/yaml-sync/yaml-config';
import { loadYamlConfig, parseYamlConfig } from '../../src/llm-manager/yaml-sync/yaml-config.loader';
import { ensureCliBuilt } from './cli-harness';
import { CLI_TEST_KEY, CliWorkspace } from './cli-workspace';
import { cliYaml, expectNoPlainKeys, seedUserSecrets, UPSTREAM_KEY_ENV, YAML_ENC_KEY, YAML_PLAIN_KEY } from './cli-fixtures';

jest.setTimeout(180_000);

let main: string;
let ws: CliWorkspace;
const cipher = new SecretCipher(CLI_TEST_KEY);

beforeAll(async () => {
  main = await ensureCliBuilt();
}, 360_000);
beforeEach(async () => {
  ws = new CliWorkspace(main);
  ws.writeEnv({ LLM_KEY: CLI_TEST_KEY });
  ws.writeYaml(cliYaml('http://127.0.0.1:9/v1', cipher));
  expect((await ws.run(['sync'])).code).toBe(0);
  await seedUserSecrets(ws.databaseUrl, cipher);
});
afterEach(() => ws.remove());

/** A config with every key opened, so an export can be compared with the file it came from. */
function opened(config: YamlConfig): unknown {
  return {
    ...config,
    warnings: [],
    platforms: config.platforms.map((platform) => ({
      ...platform,
      apiKey: platform.apiKey.kind === 'encrypted' ? { kind: 'plain', value: cipher.decrypt(platform.apiKey.envelope) } : platform.apiKey,
    })),
  };
}

describe('llm-mgr export-yaml', () => {
  it('writes the system catalogue as YAML the loader reads back to the same configuration, never a plain key', async () => {
    const result = await ws.run(['export-yaml']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const exported = parseYamlConfig(result.stdout, 'exported.yaml');
    expect(opened(exported)).toEqual(opened(loadYamlConfig(ws.yamlPath)));
    expect(exported.warnings).toEqual([]);

    expect(result.stdout).toContain(`api_key: '{${UPSTREAM_KEY_ENV}}'`);
    expect(result.stdout).toMatch(/^ {6}chat: fake-chat$/m);
    expect(result.stdout).toMatch(/^ {6}thinking:\n {8}model_name: fake-reasoning\n {8}extra_body: \{ enable_thinking: true, thinking_budget: 256 \}\n {8}input_price: 0\.5\n {8}cached_input_price: 0\.125\n {8}output_price: 2$/m);
    expect(result.stdout).toMatch(/^ {2}main: \{ platform: Fake, model: chat \}$/m);
    expect(result.stdout).toContain(`ENC:v1: values open with the LLM_KEY of fingerprint ${cipher.fingerprint()}`);
    // Users' own platforms and keys stay out; the plain YAML key comes out encrypted.
    expect(result.stdout).not.toContain('Bob own');
    expect(exported.platforms.find((p) => p.name === 'Plain')?.apiKey.kind).toBe('encrypted');
    expectNoPlainKeys(result.stdout);
    expect([YAML_ENC_KEY, YAML_PLAIN_KEY].every((key) => !result.stdout.includes(key))).toBe(true);
  });

  it('exports what an admin changed in the database, and a force sync of the export changes nothing', async () => {
    const yaml = ws.readYaml().replace('  Local:', '  Local:\n    # moved').replace('main: { platform: Fake, model: chat }', 'main: { platform: Local, model: local-chat, fallbacks: [{ platform: Fake, model: chat }] }');
    ws.writeYaml(yaml);
    expect((await ws.run(['sync', '--force'])).code).toBe(0);
    const first = await ws.run(['export-yaml', '--output', 'exported.yaml']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Wrote 4 platform\(s\), 6 model\(s\) and 3 usage binding\(s\) to .*exported\.yaml\.$/m);
    const exportedPath = join(ws.dir, 'exported.yaml');
    expect(loadYamlConfig(exportedPath).usages[0]).toEqual({ usageKey: 'main', platform: 'Local', model: 'local-chat', fallbacks: [{ platform: 'Fake', model: 'chat' }] });

    const reset = await ws.run(['sync', '--force', '--json'], { env: { LLM_MGR_CONFIG: exportedPath } });
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout)).toMatchObject({ added: ['usage:main', 'usage:fast', 'usage:reason'], removed: [] });
    const second = await ws.run(['export-yaml']);
    const body = (text: string): string => text.replace(/^#.*\n/gm, '');
    expect(body(second.stdout)).toBe(body(readFileSync(exportedPath, 'utf8')));
  });

  it('refuses to overwrite --output without --force (exit code 2), and overwrites with it', async () => {
    const target = join(ws.dir, 'exported.yaml');
    writeFileSync(target, 'keep me');
    const refused = await ws.run(['export-yaml', '-o', target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --force');
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect((await ws.run(['export-yaml', '-o', target, '--force'])).code).toBe(0);
    expect(loadYamlConfig(target).platforms).toHaveLength(4);
  });

  it('ends with exit code 3 when LLM_KEY is missing or wrong', async () => {
    ws.writeEnv({});
    const missing = await ws.run(['export-yaml']);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    const wrong = await ws.run(['export-yaml'], { env: { LLM_KEY: 'a-wrong-master-key-that-is-long-enough-00' } });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
  });
});
