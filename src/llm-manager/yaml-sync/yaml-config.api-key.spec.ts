import { LlmManagerError } from '../common/llm-manager.error';
import type { YamlApiKey } from './yaml-config';
import { parseYamlConfig } from './yaml-config.loader';

const SECRET = 'sk-live-9f8e7d6c5b4a39281706';

/** A one-platform file whose api_key is on line 4, written exactly as given. */
function withKey(apiKeyLine: string): string {
  return ['platforms:', '  DeepSeek:', '    base_url: https://ds.example/v1', apiKeyLine, '    models: {}'].join('\n');
}

function rejection(text: string): LlmManagerError {
  try {
    parseYamlConfig(text, 'keys.yaml');
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('api_key in the YAML', () => {
  it.each<[string, YamlApiKey]>([
    ["    api_key: '{DEEPSEEK_API_KEY}'", { kind: 'env', variable: 'DEEPSEEK_API_KEY' }],
    ["    api_key: '{ _Key2 }'", { kind: 'env', variable: '_Key2' }],
    ['    api_key: ENC:v1:QUJD-ZGVm_MTIz', { kind: 'encrypted', envelope: 'ENC:v1:QUJD-ZGVm_MTIz' }],
    ["    api_key: 'ENC:v1:QUJDRA=='", { kind: 'encrypted', envelope: 'ENC:v1:QUJDRA==' }],
    ['    api_key:', { kind: 'none' }],
    ['    # no api_key, as for a local Ollama', { kind: 'none' }],
  ])('reads %s', (line, expected) => {
    const config = parseYamlConfig(withKey(line), 'keys.yaml');

    expect(config.platforms[0].apiKey).toEqual(expected);
    expect(config.warnings).toEqual([]);
  });

  it('accepts a plain key, trimmed, with a warning that names the platform but never the key', () => {
    const config = parseYamlConfig(withKey(`    api_key: '  ${SECRET} '`), 'keys.yaml');

    expect(config.platforms[0].apiKey).toEqual({ kind: 'plain', value: SECRET });
    expect(config.warnings).toHaveLength(1);
    const [{ code, details, message: warning }] = config.warnings;
    // Issue 19: a code and details, so the console can say it in Chinese too.
    expect(code).toBe('PLAINTEXT_API_KEY');
    expect(details).toEqual({ platform: 'DeepSeek', file: 'keys.yaml', line: 4 });
    expect(warning).toContain("Platform 'DeepSeek' in keys.yaml (line 4)");
    expect(warning).toContain('ENC:v1:');
    expect(warning).toContain('npx llm-mgr encrypt');
    expect(warning).toContain('{ENV_VAR}');
    expect(warning).not.toContain(SECRET);
    expect(warning).not.toContain(SECRET.slice(-8));
  });

  it('gives one warning per platform with a plain key', () => {
    const config = parseYamlConfig(
      [
        'platforms:',
        `  A: { base_url: https://a.example, api_key: ${SECRET} }`,
        "  B: { base_url: https://b.example, api_key: '{B_KEY}' }",
        `  C: { base_url: https://c.example, api_key: other-${SECRET} }`,
      ].join('\n'),
      'keys.yaml',
    );

    expect(config.warnings.map((warning) => warning.message.slice(0, 31))).toEqual([
      "Platform 'A' in keys.yaml (line",
      "Platform 'C' in keys.yaml (line",
    ]);
  });

  it.each<[string, string, string]>([
    ['    api_key: 12345', 'api_key must be a string, not a number', 'quote the value'],
    ['    api_key: {DEEPSEEK_API_KEY}', 'braces without quotes', "quote it: api_key: '{DEEPSEEK_API_KEY}'"],
    ['    api_key: [a, b]', 'not a list', '{ENV_VAR}'],
    ["    api_key: ''", 'api_key is empty', 'remove api_key for a platform that needs no key'],
    ['    api_key: ENC:v2:QUJD', 'unsupported format', 'npx llm-mgr encrypt'],
    ['    api_key: ENC:v1:QUJD$%^', 'not base64url', 'paste the whole value'],
    ["    api_key: 'ENC:v1:'", 'not base64url', 'paste the whole value'],
    ["    api_key: '{1BAD}'", 'not hold a valid environment variable name', "'{DEEPSEEK_API_KEY}'"],
    ["    api_key: '{MY-KEY}'", 'not hold a valid environment variable name', 'in quotes'],
    ["    api_key: '{UNFINISHED'", 'not hold a valid environment variable name', 'in quotes'],
    ["    api_key: '${DEEPSEEK_API_KEY}'", "shell-style placeholder '${…}'", "drop the '$'"],
  ])('rejects %s on line 4 with a fix', (line, problem, fix) => {
    const error = rejection(withKey(line));

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^keys\.yaml:4:\d+: platforms\.DeepSeek\.api_key: /);
    expect(error.details).toMatchObject({ line: 4, path: 'platforms.DeepSeek.api_key' });
    expect(error.message).toContain(problem);
    expect(error.message.split(' Fix: ')[1]).toContain(fix);
  });

  it('does not echo what was written in the key, even when it is malformed', () => {
    for (const line of [
      `    api_key: ENC:v1:${SECRET}!`,
      `    api_key: '{${SECRET}}'`,
      `    api_key: '\${${SECRET}}'`,
      `    api_key: "${SECRET}\\q"`,
    ]) {
      const error = rejection(withKey(line));
      expect(error.message).not.toContain(SECRET.slice(3));
    }
  });

  it('keeps a plain key out of errors found later in the file', () => {
    const error = rejection(withKey(`    api_key: ${SECRET}`).replace('models: {}', 'models: nope'));

    expect(error.message).toContain('keys.yaml:5:');
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error.details)).not.toContain(SECRET);
  });
});
