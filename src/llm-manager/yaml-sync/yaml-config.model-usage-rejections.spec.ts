import { expectRejected, P, Q, type Rejection } from '../../../test/support/yaml-rejections';

const cases: Rejection[] = [
  // models
  {
    name: 'models is a list', line: 4, path: 'platforms.P.models',
    lines: [...Q, '    models: [deepseek-chat]'],
    says: ["'models' must be a mapping", 'not a list'], fix: 'DeepSeek-V3: deepseek-chat',
  },
  {
    name: 'model is a number', line: 6, path: 'platforms.DeepSeek.models.Four',
    lines: [...P, '      Four: 4'],
    says: ["model 'Four' must be a model id or a mapping with model_name, not a number"],
    fix: 'quoted if it looks like a number',
  },
  {
    name: 'model is empty', line: 6, path: 'platforms.DeepSeek.models.Empty',
    lines: [...P, '      Empty:'],
    says: ['not empty'], fix: 'model_name',
  },
  {
    name: 'model is a list', line: 6, path: 'platforms.DeepSeek.models.L',
    lines: [...P, '      L: [a, b]'],
    says: ['not a list'], fix: 'full form',
  },
  {
    name: 'full form without model_name', line: 6, path: 'platforms.DeepSeek.models.R1',
    lines: [...P, '      R1:', '        extra_body: { a: 1 }'],
    says: ["model 'R1' has no model_name"], fix: 'add model_name',
  },
  {
    name: 'blank model_name', line: 6, path: 'platforms.DeepSeek.models.R1.model_name',
    lines: [...P, "      R1: { model_name: '  ' }"],
    says: ['is empty'], fix: 'deepseek-chat',
  },
  {
    name: 'model_name left blank', line: 7, path: 'platforms.DeepSeek.models.R1.model_name',
    lines: [...P, '      R1:', '        model_name:', '        extra_body: { a: 1 }'],
    says: ["model id of the model 'R1' is empty"], fix: 'deepseek-chat',
  },
  {
    name: 'model_name is a number', line: 7, path: 'platforms.DeepSeek.models.R1.model_name',
    lines: [...P, '      R1:', '        model_name: 3'],
    says: ['must be a string, not a number'], fix: 'quoted',
  },
  {
    name: 'empty short form', line: 6, path: 'platforms.DeepSeek.models.R1',
    lines: [...P, "      R1: ''"],
    says: ["model id of the model 'R1' is empty"], fix: 'deepseek-chat',
  },
  {
    name: 'unknown model field', line: 8, path: 'platforms.DeepSeek.models.R1.extra_boby',
    lines: [...P, '      R1:', '        model_name: deepseek-reasoner', '        extra_boby: { a: 1 }'],
    says: ['Allowed fields: model_name, extra_body, input_price, cached_input_price, output_price'], fix: "did you mean 'extra_body'",
  },
  {
    name: 'extra_body is a list', line: 8, path: 'platforms.DeepSeek.models.R1.extra_body',
    lines: [...P, '      R1:', '        model_name: r', '        extra_body: [thinking]'],
    says: ['extra_body must be a mapping (a JSON object), not a list'], fix: 'enable_thinking: false',
  },
  {
    name: 'extra_body is quoted JSON', line: 6, path: 'platforms.DeepSeek.models.R1.extra_body',
    lines: [...P, `      R1: { model_name: r, extra_body: '{"a": 1}' }`],
    says: ['not a string'], fix: 'remove the quotes',
  },
  {
    name: 'extra_body is a number', line: 8, path: 'platforms.DeepSeek.models.R1.extra_body',
    lines: [...P, '      R1:', '        model_name: r', '        extra_body: 5'],
    says: ['not a number'], fix: 'key: value pairs',
  },
  {
    name: 'extra_body holds infinity', line: 9, path: 'platforms.DeepSeek.models.R1.extra_body.budget',
    lines: [...P, '      R1:', '        model_name: r', '        extra_body:', '          budget: .inf'],
    says: ['.inf is not a valid JSON number'], fix: 'finite number',
  },
  {
    name: 'extra_body with a duplicate key', line: 8, path: 'platforms.DeepSeek.models.R1.extra_body.a',
    lines: [...P, '      R1:', '        model_name: r', '        extra_body: { a: 1, a: 2 }'],
    says: ["'a' appears twice (first on line 8)"], fix: 'keep one',
  },
  {
    name: 'extra_body sets the model', line: 8, path: 'platforms.DeepSeek.models.R1.extra_body',
    lines: [...P, '      R1:', '        model_name: deepseek-reasoner', '        extra_body: { model: gpt-4o, temperature: 0 }'],
    says: ['extra_body may not set model.'], fix: 'remove "model" from extra_body',
  },
  {
    name: 'extra_body sets messages and stream', line: 6, path: 'platforms.DeepSeek.models.R1.extra_body',
    lines: [...P, '      R1: { model_name: r, extra_body: { messages: [], stream: false } }'],
    says: ['extra_body may not set messages, stream.'], fix: 'remove "messages", "stream" from extra_body',
  },
  {
    name: 'negative price', line: 6, path: 'platforms.DeepSeek.models.R1.input_price',
    lines: [...P, '      R1: { model_name: r, input_price: -1 }'],
    says: ['input_price must be a number ≥ 0 (USD per 1M tokens), not -1'], fix: 'input_price: 0.28',
  },
  {
    name: 'price as text', line: 8, path: 'platforms.DeepSeek.models.R1.output_price',
    lines: [...P, '      R1:', '        model_name: r', "        output_price: '$2'"],
    says: ['not a string'], fix: 'without quotes or currency',
  },
  {
    name: 'negative cached input price', line: 6, path: 'platforms.DeepSeek.models.R1.cached_input_price',
    lines: [...P, '      R1: { model_name: r, cached_input_price: -0.1 }'],
    says: ['cached_input_price must be a number ≥ 0 (USD per 1M tokens), not -0.1'], fix: 'cached_input_price: 0.28',
  },
  {
    name: 'price not a number', line: 6, path: 'platforms.DeepSeek.models.R1.output_price',
    lines: [...P, '      R1: { model_name: r, output_price: .nan }'],
    says: ['not .nan'], fix: 'plain number',
  },
  // usages
  {
    name: 'usages is a list', line: 7, path: 'usages',
    lines: [...P, 'usages:', '  - main'],
    says: ['not a list'], fix: 'one usage per line',
  },
  {
    name: 'usage is a string', line: 7, path: 'usages.main',
    lines: [...P, 'usages:', '  main: DeepSeek-V3'],
    says: ["usage 'main' must be a mapping { platform, model }, not a string"],
    fix: 'main: { platform: DeepSeek, model: DeepSeek-V3 }',
  },
  {
    name: 'usage without model', line: 7, path: 'usages.main',
    lines: [...P, 'usages:', '  main: { platform: DeepSeek }'],
    says: ["usage 'main' has no model"], fix: 'model: DeepSeek-V3',
  },
  {
    name: 'usage with an unknown field', line: 7, path: 'usages.main.temperature',
    lines: [...P, 'usages:', '  main: { platform: DeepSeek, model: DeepSeek-V3, temperature: 0 }'],
    says: ['Allowed fields: platform, model'], fix: 'remove it',
  },
  {
    name: 'usage with a platform list', line: 8, path: 'usages.main.platform',
    lines: [...P, 'usages:', '  main:', '    platform: [DeepSeek]', '    model: DeepSeek-V3'],
    says: ['platform must be a name, not a list'], fix: 'platform: DeepSeek',
  },
  {
    name: 'usage of a misspelt platform', line: 8, path: 'usages.main.platform',
    lines: [...P, 'usages:', '  main:', '    platform: Deepseek', '    model: DeepSeek-V3'],
    says: ["refers to platform 'Deepseek', which is not under 'platforms'"], fix: "did you mean 'DeepSeek'",
  },
  {
    name: 'usage of an unknown platform', line: 7, path: 'usages.main.platform',
    lines: [...P, 'usages:', '  main: { platform: OpenAI, model: GPT-4 }'],
    says: ["platform 'OpenAI'"], fix: "use one of: 'DeepSeek'",
  },
  {
    name: 'usage naming a model by its id', line: 7, path: 'usages.main.model',
    lines: [...P, 'usages:', '  main: { platform: DeepSeek, model: deepseek-chat }'],
    says: ["model 'deepseek-chat', which is not a display name on platform 'DeepSeek'"],
    fix: "did you mean 'DeepSeek-V3'? Usages name models by their display name",
  },
  {
    name: 'usage of an unknown model', line: 9, path: 'usages.fast.model',
    lines: [...P, 'usages:', '  fast:', '    platform: DeepSeek', '    model: GPT-4'],
    says: ["model 'GPT-4'"], fix: "use one of: 'DeepSeek-V3'",
  },
  {
    name: 'usage key with a space', line: 7, path: 'usages.main slot',
    lines: [...P, 'usages:', "  'main slot': { platform: DeepSeek, model: DeepSeek-V3 }"],
    says: ["usage key 'main slot' is not 1–64 letters"], fix: 'summary_v2',
  },
  {
    name: 'usage key too long', line: 7, path: `usages.${'k'.repeat(60)}…`,
    lines: [...P, 'usages:', `  ${'k'.repeat(65)}: { platform: DeepSeek, model: DeepSeek-V3 }`],
    says: ['is not 1–64'], fix: 'rename it',
  },
  // fallbacks (issue 18)
  {
    name: 'fallbacks is a mapping', line: 7, path: 'usages.main.fallbacks',
    lines: [...P, 'usages:', '  main: { platform: DeepSeek, model: DeepSeek-V3, fallbacks: { platform: DeepSeek } }'],
    says: ["'fallbacks' of the usage 'main' must be a list, not a mapping"], fix: 'fallbacks: [{ platform:',
  },
  {
    name: 'fallback is a name', line: 10, path: 'usages.main.fallbacks.0',
    lines: [...P, 'usages:', '  main:', '    platform: DeepSeek', '    model: DeepSeek-V3', '    fallbacks: [DeepSeek-V3]'],
    says: ["fallback 1 of the usage 'main' must be a mapping { platform, model }, not a string"], fix: 'fallbacks: [{ platform:',
  },
  {
    name: 'fallback of an unknown platform', line: 7, path: 'usages.main.fallbacks.0.platform',
    lines: [...P, 'usages:', '  main: { platform: DeepSeek, model: DeepSeek-V3, fallbacks: [{ platform: DeepSeak, model: DeepSeek-V3 }] }'],
    says: ["fallback 1 of the usage 'main' refers to platform 'DeepSeak'"], fix: "did you mean 'DeepSeek'?",
  },
  {
    name: 'fallback without a model', line: 7, path: 'usages.main.fallbacks.0',
    lines: [...P, 'usages:', '  main: { platform: DeepSeek, model: DeepSeek-V3, fallbacks: [{ platform: DeepSeek }] }'],
    says: ["fallback 1 of the usage 'main' has no model"], fix: 'fallbacks: [{ platform:',
  },
  {
    name: 'six fallbacks', line: 7, path: 'usages.main.fallbacks',
    lines: [...P, 'usages:', `  main: { platform: DeepSeek, model: DeepSeek-V3, fallbacks: [${Array(6).fill('{ platform: DeepSeek, model: DeepSeek-V3 }').join(', ')}] }`],
    says: ['lists 6 fallbacks; at most 5'], fix: 'keep the first few',
  },
];

describe('parseYamlConfig rejects, in models and usages', () => {
  it.each(cases)('$name', (rejected) => expectRejected(rejected));
});
