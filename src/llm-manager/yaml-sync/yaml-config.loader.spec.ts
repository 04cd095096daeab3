import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LlmManagerError } from '../common/llm-manager.error';
import type { YamlConfig, YamlModel } from './yaml-config';
import { loadYamlConfig, parseYamlConfig } from './yaml-config.loader';

/** The short form with no extras, as the loader returns it. */
function short(displayName: string, modelName: string): YamlModel {
  return { displayName, modelName, extraBody: null, inputPrice: null, cachedInputPrice: null, outputPrice: null };
}

const EXAMPLE = `
platforms:                       # ordered mapping; the first is the default
  DeepSeek:                      # display name, unique among system platforms
    base_url: https://api.deepseek.com/v1/
    api_key: '{DEEPSEEK_API_KEY}'
    models:
      DeepSeek-V3: deepseek-chat # short form
      DeepSeek-R1:               # full form
        model_name: deepseek-reasoner
        extra_body: { thinking: { type: enabled } }
        input_price: 0.28
        cached_input_price: 0.028
        output_price: 0.42
  阿里云百炼:
    base_url: https://dashscope.aliyuncs.com/compatible-mode/v1
    api_key: ENC:v1:AbC-_09xyz
    models:
      '通义flash': 'qwen-flash'
      Qwen-Plus: { model_name: qwen-plus, extra_body: { enable_thinking: false } }
  Ollama:
    base_url: http://localhost:11434/v1
    models: { Llama: llama3.2 }
usages:                          # system bindings every user's slots start from
  main:   { platform: DeepSeek, model: DeepSeek-V3 }
  fast:   { platform: 阿里云百炼, model: 通义flash }
  reason: { platform: DeepSeek, model: DeepSeek-R1 }
`;

function configError(run: () => unknown): LlmManagerError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected a CONFIG_INVALID error');
}

describe('parseYamlConfig', () => {
  it('parses the documented example in file order, short and full forms, UTF-8 names', () => {
    const config = parseYamlConfig(EXAMPLE, 'llm_mgr_cfg.yaml');

    expect(config).toEqual<YamlConfig>({
      platforms: [
        {
          name: 'DeepSeek',
          baseUrl: 'https://api.deepseek.com/v1',
          apiKey: { kind: 'env', variable: 'DEEPSEEK_API_KEY' },
          models: [
            short('DeepSeek-V3', 'deepseek-chat'),
            {
              displayName: 'DeepSeek-R1',
              modelName: 'deepseek-reasoner',
              extraBody: { thinking: { type: 'enabled' } },
              inputPrice: 0.28,
              cachedInputPrice: 0.028,
              outputPrice: 0.42,
            },
          ],
        },
        {
          name: '阿里云百炼',
          baseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
          apiKey: { kind: 'encrypted', envelope: 'ENC:v1:AbC-_09xyz' },
          models: [
            short('通义flash', 'qwen-flash'),
            {
              displayName: 'Qwen-Plus',
              modelName: 'qwen-plus',
              extraBody: { enable_thinking: false },
              inputPrice: null,
              cachedInputPrice: null,
              outputPrice: null,
            },
          ],
        },
        {
          name: 'Ollama',
          baseUrl: 'http://localhost:11434/v1',
          apiKey: { kind: 'none' },
          models: [short('Llama', 'llama3.2')],
        },
      ],
      usages: [
        { usageKey: 'main', platform: 'DeepSeek', model: 'DeepSeek-V3', fallbacks: [] },
        { usageKey: 'fast', platform: '阿里云百炼', model: '通义flash', fallbacks: [] },
        { usageKey: 'reason', platform: 'DeepSeek', model: 'DeepSeek-R1', fallbacks: [] },
      ],
      rateLimits: { defaultUser: null },
      autoKeyBudget: null,
      warnings: [],
    });
  });

  it('keeps the order of platforms and models as written, not sorted', () => {
    const config = parseYamlConfig(
      ['platforms:', '  Zeta: { base_url: https://z.example/v1, models: { b: m-b, a: m-a, c: m-c } }',
        '  Alpha: { base_url: https://a.example/v1 }'].join('\n'),
      'order.yaml',
    );

    expect(config.platforms.map((platform) => platform.name)).toEqual(['Zeta', 'Alpha']);
    expect(config.platforms[0].models.map((model) => model.displayName)).toEqual(['b', 'a', 'c']);
  });

  it('accepts an empty platforms mapping, and no usages, models or api_key', () => {
    expect(parseYamlConfig('platforms: {}\n', 'empty.yaml')).toEqual({ platforms: [], usages: [], rateLimits: { defaultUser: null }, autoKeyBudget: null, warnings: [] });
    expect(parseYamlConfig('platforms:\nusages:\n', 'nulls.yaml')).toEqual({ platforms: [], usages: [], rateLimits: { defaultUser: null }, autoKeyBudget: null, warnings: [] });
    const bare = parseYamlConfig('platforms:\n  Local:\n    base_url: http://127.0.0.1:8000\n    api_key: ~\n', 'b');
    expect(bare.platforms).toEqual([
      { name: 'Local', baseUrl: 'http://127.0.0.1:8000', apiKey: { kind: 'none' }, models: [] },
    ]);
  });

  it('reads auto_key_budget, the budget of users spending the system keys (issue 16)', () => {
    const text = 'platforms: {}\nauto_key_budget: { limit_usd: 2.5, period: day, time_zone: Asia/Shanghai, hard: false }\n';
    expect(parseYamlConfig(text, 'b').autoKeyBudget).toEqual({ limitUsd: 2.5, period: 'day', timeZone: 'Asia/Shanghai', hard: false });
    expect(parseYamlConfig('platforms: {}\nauto_key_budget: { limit_usd: 0, period: month }\n', 'b').autoKeyBudget).toEqual({ limitUsd: 0, period: 'month' });
  });

  it('shares a value through an anchor and keeps names that look like numbers as written', () => {
    const config = parseYamlConfig(
      [
        'platforms:',
        '  P:',
        '    base_url: https://p.example/v1///',
        '    models:',
        '      A: { model_name: a, extra_body: &nothink { enable_thinking: false, stop: [END, 1.5, null] } }',
        '      B: { model_name: b, extra_body: *nothink }',
        "      1.50: '2'",
        'usages:',
        '  x: { platform: P, model: 1.50 }',
      ].join('\n'),
      'anchors.yaml',
    );

    const [a, b, numeric] = config.platforms[0].models;
    expect(config.platforms[0].baseUrl).toBe('https://p.example/v1');
    expect(a.extraBody).toEqual({ enable_thinking: false, stop: ['END', 1.5, null] });
    expect(b.extraBody).toEqual(a.extraBody);
    expect(numeric).toMatchObject({ displayName: '1.50', modelName: '2' });
    expect(config.usages).toEqual([{ usageKey: 'x', platform: 'P', model: '1.50', fallbacks: [] }]);
  });

  it('keeps a "__proto__" key of extra_body as data, not as the prototype', () => {
    const config = parseYamlConfig(
      [
        'platforms:',
        '  P:',
        '    base_url: https://p.example',
        '    models:',
        '      M: { model_name: m, extra_body: { __proto__: { polluted: true } } }',
      ].join('\n'),
      'proto.yaml',
    );

    const body = config.platforms[0].models[0].extraBody ?? {};
    expect(Object.keys(body)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ignores a UTF-8 byte order mark and counts lines from it correctly', () => {
    const error = configError(() => parseYamlConfig('\uFEFFplatforms:\n  P:\n    base_url: ftp://x\n', 'bom.yaml'));

    expect(error.message).toContain('bom.yaml:3:15');
  });

  it('gives file, line, column and path in the error details', () => {
    const error = configError(() =>
      parseYamlConfig('platforms:\n  P:\n    base_url: https://p.example\n    models: [a]\n', 'details.yaml'),
    );

    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual({ file: 'details.yaml', line: 4, column: 13, path: 'platforms.P.models' });
    expect(error.message).toMatch(/^details\.yaml:4:13: platforms\.P\.models: .* Fix: /);
  });

  it('quotes path segments that contain dots', () => {
    const error = configError(() =>
      parseYamlConfig('platforms:\n  P:\n    base_url: https://p.example\n    models:\n      GLM-4.6: [x]\n', 'd.yaml'),
    );

    expect(error.details?.path).toBe('platforms.P.models."GLM-4.6"');
  });
});

describe('loadYamlConfig', () => {
  const shipped = join(__dirname, '..', '..', '..', 'llm_mgr_cfg.yaml');

  it('loads the shipped presets without errors or warnings, DeepSeek first and bound to main/fast/reason', () => {
    const config = loadYamlConfig(shipped);

    expect(config.warnings).toEqual([]);
    expect(config.platforms.map((platform) => platform.name)).toEqual([
      'DeepSeek', 'OpenAI', '阿里云百炼', 'Moonshot', 'Zhipu GLM', 'SiliconFlow', 'Volcengine Ark', 'OpenRouter',
      'Google Gemini', 'Ollama',
    ]);
    expect(config.platforms[0].models.slice(0, 2)).toEqual([
      short('DeepSeek-V3', 'deepseek-chat'),
      {
        displayName: 'DeepSeek-R1',
        modelName: 'deepseek-reasoner',
        extraBody: { thinking: { type: 'enabled' } },
        inputPrice: null,
        cachedInputPrice: null,
        outputPrice: null,
      },
    ]);
    expect(config.platforms.find((platform) => platform.name === '阿里云百炼')?.models).toContainEqual(
      expect.objectContaining({ displayName: '通义flash', modelName: 'qwen-flash' }),
    );
    for (const platform of config.platforms) {
      expect(platform.apiKey.kind).toBe(platform.name === 'Ollama' ? 'none' : 'env');
    }
    expect(config.usages).toEqual([
      { usageKey: 'main', platform: 'DeepSeek', model: 'DeepSeek-V3', fallbacks: [] },
      { usageKey: 'fast', platform: 'DeepSeek', model: 'DeepSeek-V3', fallbacks: [] },
      { usageKey: 'reason', platform: 'DeepSeek', model: 'DeepSeek-R1', fallbacks: [] },
    ]);
  });

  describe('with a temporary directory', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'llm-mgr-yaml-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('names the path, the shipped example and configPath when the file is missing', () => {
      const path = join(dir, 'nope.yaml');
      const error = configError(() => loadYamlConfig(path));

      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain(path);
      expect(error.message).toContain('llm_mgr_cfg.yaml shipped with llm-mgr');
      expect(error.message).toContain('configPath');
      expect(error.details).toEqual({ file: path });
    });

    it('reports a path that is not a readable file', () => {
      const error = configError(() => loadYamlConfig(dir));

      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('cannot be read (EISDIR)');
    });

    it('labels problems with the path it was given', () => {
      const path = join(dir, 'cfg.yaml');
      writeFileSync(path, 'platforms:\n  P: { base_url: https://p.example, colour: red }\n');

      expect(() => loadYamlConfig(path)).toThrow(`${path}:2:37: platforms.P.colour: Unknown field 'colour'`);
    });
  });
});
