import { isMap, isSeq, type Node } from 'yaml';

import type { YamlModelRef, YamlPlatform, YamlUsage } from './yaml-config';
import { closestName, quoteName, type YamlPath, type YamlProblemReporter, type YamlSpot } from './yaml-config.problem';
import type { YamlEntry, YamlNodeReader } from './yaml-config.reader';

const USAGE_FIELDS = ['platform', 'model', 'fallbacks'] as const;
const FALLBACK_FIELDS = ['platform', 'model'] as const;
const MAX_FALLBACKS = 5;
const USAGE_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_LISTED = 10;

/**
 * Reads `usages:`, the system bindings every user's slots start from. Each must name a platform of the same file and
 * a model display name on it; an absent or empty `usages` means no system bindings.
 */
export function readYamlUsages(field: YamlEntry, platforms: YamlPlatform[], reader: YamlNodeReader): YamlUsage[] {
  if (field.value === null) return [];
  if (!isMap(field.value)) {
    return reader.report.fail(
      field.value,
      field.path,
      `'usages' must be a mapping of usage key → { platform, model }, not ${reader.describe(field.value)}.`,
      'write one usage per line, e.g. usages: { main: { platform: DeepSeek, model: DeepSeek-V3 } }.',
    );
  }
  return reader.entries(field.value, field.path).map((entry) => readUsage(entry, platforms, reader));
}

function readUsage(entry: YamlEntry, platforms: YamlPlatform[], reader: YamlNodeReader): YamlUsage {
  const report: YamlProblemReporter = reader.report;
  const label = `usage ${quoteName(entry.name)}`;
  const example = `write ${entry.name}: { platform: DeepSeek, model: DeepSeek-V3 }.`;
  if (!USAGE_KEY_PATTERN.test(entry.name)) {
    report.fail(
      entry.spot,
      entry.path,
      `The usage key ${quoteName(entry.name)} is not 1–64 letters, digits, '_', '.' or '-'.`,
      'rename it, e.g. fast or summary_v2.',
    );
  }
  if (!isMap(entry.value)) {
    report.fail(
      entry.value ?? entry.spot,
      entry.path,
      `The ${label} must be a mapping { platform, model }, not ${reader.describe(entry.value)}.`,
      example,
    );
  }
  const fields = reader.fields(reader.entries(entry.value, entry.path), USAGE_FIELDS, `the ${label}`);
  const bound = readModelRef(fields, entry.spot, entry.path, label, example, platforms, reader);
  const fallbacks = fields.fallbacks === undefined ? [] : readFallbacks(fields.fallbacks, label, platforms, reader);
  return { usageKey: entry.name, ...bound, fallbacks };
}

/**
 * `fallbacks:` of a usage: a list of `{ platform, model }` of the same file, tried in order when the bound model
 * fails before answering (issue 18).
 */
function readFallbacks(field: YamlEntry, label: string, platforms: YamlPlatform[], reader: YamlNodeReader): YamlModelRef[] {
  const example = `write fallbacks: [{ platform: Qwen, model: qwen-flash }].`;
  if (field.value === null) return [];
  if (!isSeq(field.value)) {
    return reader.report.fail(field.value, field.path, `'fallbacks' of the ${label} must be a list, not ${reader.describe(field.value)}.`, example);
  }
  if (field.value.items.length > MAX_FALLBACKS) {
    reader.report.fail(field.value, field.path, `The ${label} lists ${field.value.items.length} fallbacks; at most ${MAX_FALLBACKS} are allowed.`, 'keep the first few.');
  }
  return field.value.items.map((item, index) => {
    const path = [...field.path, String(index)];
    const value = reader.resolve(item, path);
    const what = `fallback ${index + 1} of the ${label}`;
    if (!isMap(value)) return reader.report.fail(value ?? field.spot, path, `The ${what} must be a mapping { platform, model }, not ${reader.describe(value)}.`, example);
    const fields = reader.fields(reader.entries(value, path), FALLBACK_FIELDS, `the ${what}`);
    return readModelRef(fields, value as Node, path, what, example, platforms, reader);
  });
}

/** `platform` + `model` of a mapping: a platform of the same file and a model display name on it. */
function readModelRef(
  fields: Partial<Record<'platform' | 'model', YamlEntry>>,
  spot: YamlSpot,
  path: YamlPath,
  label: string,
  example: string,
  platforms: YamlPlatform[],
  reader: YamlNodeReader,
): YamlModelRef {
  const report: YamlProblemReporter = reader.report;
  const reference = (name: 'platform' | 'model'): { text: string; field: YamlEntry } => {
    const field = fields[name];
    if (field === undefined) return report.fail(spot, path, `The ${label} has no ${name}.`, example);
    const text = reader.scalarText(field.value);
    if (text === undefined || text.trim() === '') {
      const problem = `${name} must be a name, not ${reader.describe(field.value)}.`;
      return report.fail(field.value ?? field.spot, field.path, problem, example);
    }
    return { text, field };
  };
  const platformRef = reference('platform');
  const modelRef = reference('model');

  const platform = platforms.find((candidate) => candidate.name === platformRef.text);
  if (platform === undefined) {
    const names = platforms.map((candidate) => candidate.name);
    const suggestion = closestName(platformRef.text, names);
    return report.fail(
      platformRef.field.value,
      platformRef.field.path,
      `The ${label} refers to platform ${quoteName(platformRef.text)}, which is not under 'platforms'.`,
      suggestion === undefined ? `use one of: ${listNames(names)}.` : `did you mean '${suggestion}'?`,
    );
  }
  if (!platform.models.some((model) => model.displayName === modelRef.text)) {
    const names = platform.models.map((model) => model.displayName);
    const byId = platform.models.find((model) => model.modelName === modelRef.text)?.displayName;
    const suggestion = byId ?? closestName(modelRef.text, names);
    report.fail(
      modelRef.field.value,
      modelRef.field.path,
      `The ${label} refers to model ${quoteName(modelRef.text)}, which is not a display name on platform ` +
        `${quoteName(platform.name)}.`,
      suggestion === undefined
        ? `use one of: ${listNames(names)}.`
        : `did you mean '${suggestion}'? Usages name models by their display name.`,
    );
  }
  return { platform: platform.name, model: modelRef.text };
}

function listNames(names: string[]): string {
  if (names.length === 0) return '(none defined)';
  const shown = names.slice(0, MAX_LISTED).map(quoteName).join(', ');
  return names.length > MAX_LISTED ? `${shown}, …` : shown;
}
