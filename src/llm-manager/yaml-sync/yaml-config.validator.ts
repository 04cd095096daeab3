import { type Document, isMap, isScalar, type Node } from 'yaml';

import { reservedExtraBodyFix, reservedExtraBodyKeys } from '../common/input-rules';
import type { YamlConfig, YamlModel, YamlPlatform } from './yaml-config';
import { readYamlApiKey } from './yaml-config.api-key';
import { quoteName, type YamlProblemReporter } from './yaml-config.problem';
import { type YamlEntry, YamlNodeReader } from './yaml-config.reader';
import { readYamlRateLimits } from './yaml-config.rate-limits';
import { readYamlUsages } from './yaml-config.usages';
import type { YamlWarning } from './yaml-warning';
import { readYamlAutoKeyBudget } from './yaml-config.budget';

const TOP_FIELDS = ['platforms', 'usages', 'rate_limits', 'auto_key_budget'] as const;
const PLATFORM_FIELDS = ['base_url', 'api_key', 'models'] as const;
const MODEL_FIELDS = ['model_name', 'extra_body', 'input_price', 'cached_input_price', 'output_price'] as const;

const MAX_NAME_LENGTH = 100;
const MAX_MODEL_ID_LENGTH = 200;
const CONTROL_CHARACTER = /\p{Cc}/u;

const EXAMPLE_PLATFORMS =
  'platforms: { DeepSeek: { base_url: https://api.deepseek.com/v1, models: { DeepSeek-V3: deepseek-chat } } }';
const URL_FIX = 'write the full http(s) URL of the OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1.';
const MODEL_ID_FIX = 'write the id the platform expects, quoted if it looks like a number, e.g. deepseek-chat.';

/**
 * Checks a parsed `llm_mgr_cfg.yaml` against the format of SPEC M10 and returns it typed, in file order. The first
 * problem throws `CONFIG_INVALID` pointing at its line:column; plain-text keys only add a warning.
 */
export function validateYamlConfig(doc: Document.Parsed, report: YamlProblemReporter): YamlConfig {
  return new YamlConfigValidator(new YamlNodeReader(doc, report)).validate(doc.contents);
}

class YamlConfigValidator {
  private readonly warnings: YamlWarning[] = [];

  constructor(private readonly reader: YamlNodeReader) {}

  validate(contents: Node | null): YamlConfig {
    const root = this.reader.resolve(contents, []);
    if (root === null) {
      this.report(0, [], 'The file is empty.', `copy the example shipped with llm-mgr, or write ${EXAMPLE_PLATFORMS}.`);
    }
    if (!isMap(root)) {
      return this.report(
        root,
        [],
        `The top level must be a mapping with 'platforms' and optionally 'usages', not ${this.reader.describe(root)}.`,
        `start the file with 'platforms:', e.g. ${EXAMPLE_PLATFORMS}.`,
      );
    }
    const fields = this.reader.fields(this.reader.entries(root, []), TOP_FIELDS, 'the top level');
    if (fields.platforms === undefined) {
      this.report(root, [], "'platforms' is missing.", `add it, e.g. ${EXAMPLE_PLATFORMS} (an empty {} is allowed).`);
    }
    const platforms = this.platforms(fields.platforms);
    const usages = fields.usages === undefined ? [] : readYamlUsages(fields.usages, platforms, this.reader);
    const rateLimits = readYamlRateLimits(fields.rate_limits, this.reader);
    const autoKeyBudget = fields.auto_key_budget === undefined ? null : readYamlAutoKeyBudget(fields.auto_key_budget, this.reader);
    return { platforms, usages, rateLimits, autoKeyBudget, warnings: this.warnings };
  }

  private platforms(field: YamlEntry): YamlPlatform[] {
    if (field.value === null) return [];
    if (!isMap(field.value)) {
      return this.failAt(
        field,
        `'platforms' must be a mapping of platform name → settings, not ${this.reader.describe(field.value)}.`,
        `write one platform per key, e.g. ${EXAMPLE_PLATFORMS}.`,
      );
    }
    const entries = this.reader.entries(field.value, field.path);
    this.checkNames(entries, 'platform name');
    return entries.map((entry) => this.platform(entry));
  }

  private platform(entry: YamlEntry): YamlPlatform {
    const label = `platform ${quoteName(entry.name)}`;
    if (!isMap(entry.value)) {
      return this.failAt(
        entry,
        `The ${label} must be a mapping with base_url, api_key and models, not ${this.reader.describe(entry.value)}.`,
        'indent base_url, api_key and models under the platform name.',
      );
    }
    const fields = this.reader.fields(this.reader.entries(entry.value, entry.path), PLATFORM_FIELDS, `the ${label}`);
    if (fields.base_url === undefined) {
      this.report(entry.spot, entry.path, `The ${label} has no base_url.`, `add base_url: and ${URL_FIX}`);
    }
    return {
      name: entry.name,
      baseUrl: this.baseUrl(fields.base_url),
      apiKey:
        fields.api_key === undefined
          ? { kind: 'none' }
          : readYamlApiKey(fields.api_key, entry.name, this.reader, this.warnings),
      models: fields.models === undefined ? [] : this.models(fields.models),
    };
  }

  private baseUrl(field: YamlEntry): string {
    const text = this.text(field.value);
    if (text === undefined) {
      this.failAt(field, `base_url must be a URL, not ${this.reader.describe(field.value)}.`, URL_FIX);
    }
    if (text === '') this.failAt(field, 'base_url is empty.', URL_FIX);
    if (/\s/.test(text)) this.failAt(field, 'base_url contains spaces.', URL_FIX);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return this.failAt(field, 'base_url is not a valid URL.', URL_FIX);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.failAt(field, `base_url must use http or https, not ${quoteName(url.protocol)}.`, URL_FIX);
    }
    if (url.username !== '' || url.password !== '') {
      this.failAt(
        field,
        'base_url contains credentials (user:password@).',
        'remove them and put the key in api_key, so it is never logged along with the URL.',
      );
    }
    return text.replace(/\/+$/, '');
  }

  private models(field: YamlEntry): YamlModel[] {
    if (field.value === null) return [];
    if (!isMap(field.value)) {
      return this.failAt(
        field,
        `'models' must be a mapping of display name → model id, not ${this.reader.describe(field.value)}.`,
        "write one model per line as 'Display name: model-id', e.g. DeepSeek-V3: deepseek-chat.",
      );
    }
    const entries = this.reader.entries(field.value, field.path);
    this.checkNames(entries, 'model display name');
    return entries.map((entry) => this.model(entry));
  }

  private model(entry: YamlEntry): YamlModel {
    const label = `model ${quoteName(entry.name)}`;
    if (isScalar(entry.value) && typeof entry.value.value === 'string') {
      const modelName = this.modelId(entry, label);
      return { displayName: entry.name, modelName, extraBody: null, inputPrice: null, cachedInputPrice: null, outputPrice: null };
    }
    if (!isMap(entry.value)) {
      return this.failAt(
        entry,
        `The ${label} must be a model id or a mapping with model_name, not ${this.reader.describe(entry.value)}.`,
        `write ${quoteName(entry.name)}: model-id (quoted if it looks like a number), ` +
          'or the full form { model_name: model-id, extra_body: { … } }.',
      );
    }
    const fields = this.reader.fields(this.reader.entries(entry.value, entry.path), MODEL_FIELDS, `the ${label}`);
    if (fields.model_name === undefined) {
      this.report(entry.spot, entry.path, `The ${label} has no model_name.`, `add model_name: and ${MODEL_ID_FIX}`);
    }
    return {
      displayName: entry.name,
      modelName: this.modelId(fields.model_name, label),
      extraBody: fields.extra_body === undefined ? null : this.extraBody(fields.extra_body),
      inputPrice: fields.input_price === undefined ? null : this.price(fields.input_price),
      cachedInputPrice: fields.cached_input_price === undefined ? null : this.price(fields.cached_input_price),
      outputPrice: fields.output_price === undefined ? null : this.price(fields.output_price),
    };
  }

  private modelId(field: YamlEntry, label: string): string {
    const text = this.text(field.value);
    if (text === undefined) {
      const problem = `The model id of the ${label} must be a string, not ${this.reader.describe(field.value)}.`;
      this.failAt(field, problem, MODEL_ID_FIX);
    }
    if (text === '') this.failAt(field, `The model id of the ${label} is empty.`, MODEL_ID_FIX);
    if (text.length > MAX_MODEL_ID_LENGTH || CONTROL_CHARACTER.test(text)) {
      this.failAt(
        field,
        `The model id of the ${label} is longer than ${MAX_MODEL_ID_LENGTH} characters or has control characters.`,
        MODEL_ID_FIX,
      );
    }
    return text;
  }

  private extraBody(field: YamlEntry): Record<string, unknown> | null {
    const value = field.value;
    if (value === null) return null;
    if (!isMap(value)) {
      const quotedJson = isScalar(value) && typeof value.value === 'string' && value.value.trim().startsWith('{');
      return this.failAt(
        field,
        `extra_body must be a mapping (a JSON object), not ${this.reader.describe(value)}.`,
        (quotedJson ? 'remove the quotes around the JSON: YAML reads { "key": value } as a mapping. ' : '') +
          'write key: value pairs, e.g. extra_body: { enable_thinking: false }.',
      );
    }
    const body = this.reader.jsonObject(value, field.path);
    const reserved = reservedExtraBodyKeys(body);
    if (reserved.length > 0) {
      return this.failAt(field, `extra_body may not set ${reserved.join(', ')}.`, reservedExtraBodyFix(reserved));
    }
    return body;
  }

  private price(field: YamlEntry): number | null {
    const value = field.value;
    const name = field.path[field.path.length - 1];
    if (value === null) return null;
    if (isScalar(value) && typeof value.value === 'number' && Number.isFinite(value.value) && value.value >= 0) {
      return value.value;
    }
    const written = isScalar(value) && typeof value.value === 'number' ? value.source : undefined;
    return this.failAt(
      field,
      `${name} must be a number ≥ 0 (USD per 1M tokens), not ${written ?? this.reader.describe(value)}.`,
      `write a plain number without quotes or currency, e.g. ${name}: 0.28.`,
    );
  }

  /** Names are what users type and the console shows: non-empty, short, and unique even ignoring case and width. */
  private checkNames(entries: YamlEntry[], kind: string): void {
    const fix = `use 1–${MAX_NAME_LENGTH} visible characters, e.g. DeepSeek or '通义flash'.`;
    const folded = new Map<string, YamlEntry>();
    for (const entry of entries) {
      const { name, spot, path } = entry;
      if (name.trim() === '') this.report(spot, path, `A ${kind} is empty.`, fix);
      if (name !== name.trim()) {
        this.report(spot, path, `The ${kind} ${quoteName(name)} starts or ends with spaces.`, 'remove them.');
      }
      if ([...name].length > MAX_NAME_LENGTH) {
        this.report(spot, path, `The ${kind} ${quoteName(name)} is longer than ${MAX_NAME_LENGTH} characters.`, fix);
      }
      if (CONTROL_CHARACTER.test(name)) this.report(spot, path, `The ${kind} contains control characters.`, fix);
      const key = name.normalize('NFKC').toLowerCase();
      const first = folded.get(key);
      if (first !== undefined) {
        this.report(
          spot,
          path,
          `The ${kind} ${quoteName(name)} differs from ${quoteName(first.name)} ` +
            `(line ${this.reader.report.positionOf(first.spot).line}) only in case or character width.`,
          'merge the two, or give one a clearly different name.',
        );
      }
      folded.set(key, entry);
    }
  }

  /** A string value trimmed; an empty value counts as ''. Anything else (a number, a list) is `undefined`. */
  private text(value: Node | null): string | undefined {
    if (value === null) return '';
    return isScalar(value) && typeof value.value === 'string' ? value.value.trim() : undefined;
  }

  private report(...args: Parameters<YamlProblemReporter['fail']>): never {
    return this.reader.report.fail(...args);
  }

  /** Points at the value when there is one, else at its key. */
  private failAt(field: YamlEntry, problem: string, fix: string): never {
    return this.reader.report.fail(field.value ?? field.spot, field.path, problem, fix);
  }
}
