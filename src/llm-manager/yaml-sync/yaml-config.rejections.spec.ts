import { expectRejected, P, Q, rejection, type Rejection } from '../../../test/support/yaml-rejections';

const cases: Rejection[] = [
  // YAML syntax
  {
    name: 'tab indentation', line: 3, path: '',
    lines: ['platforms:', '  P:', '\tbase_url: https://p.example'],
    says: ['YAML syntax error'], fix: 'spaces',
  },
  {
    name: 'unclosed quote', line: 2, path: '',
    lines: ['platforms:', "  'P: { base_url: https://p.example }"],
    says: ['YAML syntax error'], fix: 'close the quote',
  },
  {
    name: 'two documents', line: 6, path: '',
    lines: [...P, '---', 'platforms: {}'],
    says: ['more than one YAML document'], fix: "remove the extra '---'",
  },
  {
    name: 'unknown tag', line: 1, path: '',
    lines: ['platforms: !custom {}'],
    says: ['Unresolved tag'], fix: "remove the '!tag'",
  },
  {
    name: 'a lone surrogate escape in a platform name', line: 2, path: '',
    lines: ['platforms:', '  "P\\ud800":', '    base_url: https://p.example/v1'],
    says: ['unpaired UTF-16 surrogate'], fix: 'as a pair',
  },
  {
    name: 'a lone surrogate escape in a model name', line: 5, path: '',
    lines: [...P.slice(0, 4), '      DeepSeek-V3: "chat\\udfff"'],
    says: ['unpaired UTF-16 surrogate'], fix: 'write the character itself',
  },
  {
    name: 'a NUL escape in a base URL', line: 3, path: '',
    lines: ['platforms:', '  P:', '    base_url: "https://p.example/v1\\0"'],
    says: ['NUL character'], fix: 'write the character itself',
  },
  // top level
  {
    name: 'empty file', line: 1, path: '',
    lines: [''],
    says: ['The file is empty'], fix: 'example shipped with llm-mgr',
  },
  {
    name: 'comments only', line: 1, path: '',
    lines: ['# nothing yet', ''],
    says: ['The file is empty'], fix: 'platforms:',
  },
  {
    name: 'top level is a list', line: 1, path: '',
    lines: ['- platforms'],
    says: ['must be a mapping', 'not a list'], fix: "'platforms:'",
  },
  {
    name: 'top-level typo', line: 1, path: 'platform',
    lines: ['platform:', '  P: {}'],
    says: ["Unknown field 'platform'", 'Allowed fields: platforms, usages, rate_limits, auto_key_budget'], fix: "did you mean 'platforms'",
  },
  {
    name: 'platforms missing', line: 1, path: '',
    lines: ['usages: {}'],
    says: ["'platforms' is missing"], fix: 'empty {} is allowed',
  },
  // auto_key_budget (issue 16)
  {
    name: 'auto_key_budget is a number', line: 2, path: 'auto_key_budget',
    lines: ['platforms: {}', 'auto_key_budget: 5'],
    says: ["'auto_key_budget' must be a mapping"], fix: 'limit_usd: 5, period: day',
  },
  {
    name: 'auto_key_budget with a negative limit', line: 3, path: 'auto_key_budget.limit_usd',
    lines: ['platforms: {}', 'auto_key_budget:', '  limit_usd: -1', '  period: day'],
    says: ['limit_usd must be a number of USD from 0'], fix: 'limit_usd: 5',
  },
  {
    name: 'auto_key_budget with an unknown period', line: 3, path: 'auto_key_budget.period',
    lines: ['platforms: {}', 'auto_key_budget:', '  period: year', '  limit_usd: 5'],
    says: ['period must be one of day, week, month, total'], fix: 'period: day',
  },
  {
    name: 'auto_key_budget with an unknown time zone', line: 3, path: 'auto_key_budget.time_zone',
    lines: ['platforms: {}', 'auto_key_budget: { limit_usd: 5, period: day,', '  time_zone: Mars/Olympus }'],
    says: ['time_zone "Mars/Olympus" is not an IANA time zone'], fix: 'time_zone: Asia/Shanghai',
  },
  {
    name: 'auto_key_budget with a typo', line: 3, path: 'auto_key_budget.limit',
    lines: ['platforms: {}', 'auto_key_budget:', '  limit: 5', '  period: day'],
    says: ["Unknown field 'limit'", 'Allowed fields: limit_usd, period, time_zone, hard'], fix: 'remove it',
  },
  {
    name: 'platforms is a list', line: 2, path: 'platforms',
    lines: ['platforms:', '  - DeepSeek'],
    says: ['not a list'], fix: 'one platform per key',
  },
  // names and duplicates
  {
    name: 'duplicate platform', line: 6, path: 'platforms.DeepSeek',
    lines: [...P, '  DeepSeek:', '    base_url: https://x.example'],
    says: ["'DeepSeek' appears twice (first on line 2)"], fix: 'keep one',
  },
  {
    name: 'platform names differing in case', line: 6, path: 'platforms.deepseek',
    lines: [...P, '  deepseek: { base_url: https://x.example }'],
    says: ["differs from 'DeepSeek' (line 2) only in case"], fix: 'different name',
  },
  {
    name: 'duplicate model display name', line: 6, path: 'platforms.DeepSeek.models.DeepSeek-V3',
    lines: [...P, '      DeepSeek-V3: deepseek-v3'],
    says: ['appears twice (first on line 5)'], fix: 'rename',
  },
  {
    name: 'duplicate field', line: 4, path: 'platforms.P.base_url',
    lines: [...Q, '    base_url: https://b.example'],
    says: ["'base_url' appears twice (first on line 3)"], fix: 'keep one',
  },
  {
    name: 'platform name too long', line: 2, path: `platforms.${'x'.repeat(60)}…`,
    lines: ['platforms:', `  ${'x'.repeat(101)}: { base_url: https://p.example }`],
    says: ['longer than 100 characters'], fix: '1–100 visible characters',
  },
  {
    name: 'empty platform name', line: 2, path: 'platforms.""',
    lines: ['platforms:', "  '': { base_url: https://p.example }"],
    says: ['A platform name is empty'], fix: '1–100',
  },
  {
    name: 'name with edge spaces', line: 2, path: 'platforms." P"',
    lines: ['platforms:', "  ' P': { base_url: https://p.example }"],
    says: ['starts or ends with spaces'], fix: 'remove them',
  },
  {
    name: 'model name too long', line: 6, path: `platforms.DeepSeek.models.${'m'.repeat(60)}…`,
    lines: [...P, `      ${'m'.repeat(101)}: m`],
    says: ['model display name', 'longer than 100'], fix: '1–100',
  },
  {
    name: 'key that is a list', line: 6, path: 'platforms.DeepSeek.models',
    lines: [...P, '      ? [a, b]', '      : x'],
    says: ['A key must be a plain name, not a list'], fix: 'write the name as text',
  },
  {
    name: 'alias without anchor', line: 6, path: 'platforms.DeepSeek.models.R1',
    lines: [...P, '      R1: *nothere'],
    says: ['*nothere refers to no anchor'], fix: 'define &nothere',
  },
  // platform fields
  {
    name: 'platform without settings', line: 2, path: 'platforms.P',
    lines: ['platforms:', '  P:'],
    says: ['must be a mapping with base_url', 'not empty'], fix: 'indent base_url',
  },
  {
    name: 'missing base_url', line: 2, path: 'platforms.P',
    lines: ['platforms:', '  P:', '    models: { M: m }'],
    says: ["platform 'P' has no base_url"], fix: 'https://api.deepseek.com/v1',
  },
  {
    name: 'unknown platform field', line: 4, path: 'platforms.P.baseUrl',
    lines: [...Q, '    baseUrl: https://p.example'],
    says: ["Unknown field 'baseUrl'", 'Allowed fields: base_url, api_key, models'], fix: "did you mean 'base_url'",
  },
  {
    name: 'empty base_url', line: 2, path: 'platforms.P.base_url',
    lines: ['platforms:', "  P: { base_url: '' }"],
    says: ['base_url is empty'], fix: 'http(s) URL',
  },
  {
    name: 'base_url left blank', line: 3, path: 'platforms.P.base_url',
    lines: ['platforms:', '  P:', '    base_url:', '    models: {}'],
    says: ['base_url is empty'], fix: 'http(s) URL',
  },
  {
    name: 'ftp base_url', line: 3, path: 'platforms.P.base_url',
    lines: ['platforms:', '  P:', '    base_url: ftp://files.example/v1'],
    says: ["must use http or https, not 'ftp:'"], fix: 'http(s) URL',
  },
  {
    name: 'base_url without scheme', line: 3, path: 'platforms.P.base_url',
    lines: ['platforms:', '  P:', '    base_url: api.deepseek.com/v1'],
    says: ['not a valid URL'], fix: 'https://api.deepseek.com/v1',
  },
  {
    name: 'base_url with spaces', line: 3, path: 'platforms.P.base_url',
    lines: ['platforms:', '  P:', '    base_url: https://p.example/ v1'],
    says: ['contains spaces'], fix: 'http(s) URL',
  },
  {
    name: 'base_url is a number', line: 3, path: 'platforms.P.base_url',
    lines: ['platforms:', '  P:', '    base_url: 8080'],
    says: ['must be a URL, not a number'], fix: 'http(s) URL',
  },
  {
    name: 'base_url with credentials', line: 3, path: 'platforms.P.base_url',
    lines: ['platforms:', '  P:', '    base_url: https://user:hunter2@p.example/v1'],
    says: ['credentials'], fix: 'put the key in api_key',
  },
];

describe('parseYamlConfig rejects', () => {
  it.each(cases)('$name', (rejected) => expectRejected(rejected));

  it('an alias that contains itself, without recursing forever', () => {
    const error = rejection([...P, '      R1:', '        model_name: r', '        extra_body: &x', '          a: *x']);

    expect(error.message).toMatch(/^bad\.yaml:9:\d+: platforms\.DeepSeek\.models\.R1\.extra_body(\.a)+\.…\.a: /);
    expect(error.message).toContain('recursive alias');
  });

  it('never echoes the password of a base_url', () => {
    const error = rejection(['platforms:', '  P:', '    base_url: https://user:hunter2@p.example/v1']);

    expect(error.message).not.toContain('hunter2');
  });
});
