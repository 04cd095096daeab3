import { isMap, isScalar, isSeq, type Document, type Pair, YAMLMap } from 'yaml';
import { LlmManagerError } from '../../../llm-manager/common/llm-manager.error';

/**
 * Edits of `llm_mgr_cfg.yaml` made on the parsed document, so the operator's comments, order and quoting survive.
 * Each function only changes the tree; the caller validates the whole result with the loader before writing it.
 */

type Key = string;

function notFound(code: 'PLATFORM_NOT_FOUND' | 'MODEL_NOT_FOUND' | 'USAGE_SLOT_NOT_FOUND', message: string): LlmManagerError {
  return new LlmManagerError(code, message);
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** The `platforms:` mapping, created when the file has none. */
function platformsMap(doc: Document): YAMLMap {
  const node = doc.get('platforms');
  if (isMap(node)) return node;
  const created = new YAMLMap();
  doc.set('platforms', created);
  return created;
}

function usagesMap(doc: Document, create: boolean): YAMLMap | undefined {
  const node = doc.get('usages');
  if (isMap(node)) return node;
  if (!create) return undefined;
  const created = new YAMLMap();
  doc.set('usages', created);
  return created;
}

/** Every `{ platform, model }` of the usages: each binding and each model of its `fallbacks` chain (issue 18). */
function bindingsOf(doc: Document): YAMLMap[] {
  return (usagesMap(doc, false)?.items ?? []).flatMap((usage) => {
    if (!isMap(usage.value)) return [];
    const chain = usage.value.get('fallbacks');
    return [usage.value, ...(isSeq(chain) ? chain.items.filter((entry): entry is YAMLMap => isMap(entry)) : [])];
  });
}

function platformPair(doc: Document, name: Key): Pair {
  const pair = platformsMap(doc).items.find((item) => keyOf(item) === name);
  if (!pair) throw notFound('PLATFORM_NOT_FOUND', `The YAML has no platform '${name}'. Reload the page: the file may have changed.`);
  return pair as Pair;
}

function platformNode(doc: Document, name: Key): YAMLMap {
  const pair = platformPair(doc, name);
  if (!isMap(pair.value)) {
    pair.value = new YAMLMap();
  }
  return pair.value as YAMLMap;
}

function modelsMap(doc: Document, platform: Key): YAMLMap {
  const node = platformNode(doc, platform);
  const models = node.get('models');
  if (isMap(models)) return models;
  const created = new YAMLMap();
  node.set('models', created);
  return created;
}

function assertFree(map: YAMLMap, name: Key, what: string): void {
  if (map.items.some((item) => keyOf(item).toLowerCase() === name.toLowerCase())) {
    throw new LlmManagerError('NAME_CONFLICT', `${what} '${name}' already exists in the YAML. Choose another name.`, {
      details: { name },
    });
  }
}

/** Appends a platform with an empty model list. */
export function addPlatform(doc: Document, name: Key, baseUrl: string): void {
  const platforms = platformsMap(doc);
  assertFree(platforms, name, 'Platform');
  platforms.add(doc.createPair(name, { base_url: baseUrl, models: {} }));
}

/** Renames a platform (bindings that name it follow) and/or changes its `base_url`. */
export function updatePlatform(doc: Document, name: Key, patch: { name?: string; baseUrl?: string }): void {
  const pair = platformPair(doc, name);
  if (patch.baseUrl !== undefined) platformNode(doc, name).set('base_url', patch.baseUrl);
  if (patch.name !== undefined && patch.name !== name) {
    const others = platformsMap(doc).items.filter((item) => item !== pair);
    if (others.some((item) => keyOf(item as Pair).toLowerCase() === patch.name!.toLowerCase())) {
      throw new LlmManagerError('NAME_CONFLICT', `Platform '${patch.name}' already exists in the YAML. Choose another name.`, {
        details: { field: 'name', name: patch.name },
      });
    }
    pair.key = doc.createNode(patch.name);
    for (const binding of bindingsOf(doc)) {
      if (binding.get('platform') === name) binding.set('platform', patch.name);
    }
  }
}

/** Deletes a platform and the system bindings that point at it; returns the usage keys removed. */
export function deletePlatform(doc: Document, name: Key): string[] {
  const pair = platformPair(doc, name);
  const platforms = platformsMap(doc);
  platforms.items.splice(platforms.items.indexOf(pair), 1);
  return removeUsagesWhere(doc, (platform) => platform === name);
}

/** Moves a platform to the top of `platforms:`: the first one is the default (M10). */
export function moveToTop(doc: Document, name: Key): void {
  const pair = platformPair(doc, name);
  const platforms = platformsMap(doc);
  platforms.items.splice(platforms.items.indexOf(pair), 1);
  platforms.items.unshift(pair);
}

/** Sets `api_key` to the given YAML text (`ENC:v1:…`, `{ENV}` or plain), or removes it when null. */
export function setApiKey(doc: Document, name: Key, value: string | null): void {
  const node = platformNode(doc, name);
  if (value === null) {
    node.delete('api_key');
    return;
  }
  const scalar = doc.createNode(value);
  scalar.type = 'QUOTE_SINGLE';
  if (node.has('api_key')) node.set('api_key', scalar);
  else {
    // Right after base_url, where the shipped file and the docs put it.
    const index = node.items.findIndex((item) => keyOf(item as Pair) === 'base_url');
    node.items.splice(index + 1, 0, doc.createPair('api_key', scalar));
  }
}

const PRICE_FIELDS = [
  ['inputPrice', 'input_price'],
  ['cachedInputPrice', 'cached_input_price'],
  ['outputPrice', 'output_price'],
] as const;

/**
 * A model in the short form when it is only an id, in the full form (extra_body on one line, then the prices that
 * are set) otherwise.
 */
function modelValue(doc: Document, model: YamlModelInput): unknown {
  const prices = PRICE_FIELDS.filter(([field]) => typeof model[field] === 'number').map(([field, key]) => [key, model[field]] as const);
  if (!model.extraBody && prices.length === 0) return model.modelName;
  const full = doc.createNode({
    model_name: model.modelName,
    ...(model.extraBody ? { extra_body: model.extraBody } : {}),
    ...Object.fromEntries(prices),
  }) as YAMLMap;
  const extra = full.get('extra_body', true);
  if (isMap(extra)) extra.flow = true;
  return full;
}

export interface YamlModelInput {
  displayName: string;
  modelName: string;
  extraBody?: Record<string, unknown> | null;
  /** USD per 1M tokens; absent or null leaves the field out (cached input then costs the input price). */
  inputPrice?: number | null;
  cachedInputPrice?: number | null;
  outputPrice?: number | null;
}

/** Appends a model to a platform. */
export function addModel(doc: Document, platform: Key, model: YamlModelInput): void {
  const models = modelsMap(doc, platform);
  assertFree(models, model.displayName, `Model '${model.displayName}' of '${platform}': the display name`);
  models.add(doc.createPair(model.displayName, modelValue(doc, model)));
}

/** Replaces a model in place (same position); bindings follow a renamed display name. */
export function updateModel(doc: Document, platform: Key, displayName: Key, model: YamlModelInput): void {
  const models = modelsMap(doc, platform);
  const pair = models.items.find((item) => keyOf(item as Pair) === displayName) as Pair | undefined;
  if (!pair) throw notFound('MODEL_NOT_FOUND', `Platform '${platform}' has no model '${displayName}' in the YAML.`);
  if (model.displayName !== displayName) {
    const clash = models.items.some((item) => item !== pair && keyOf(item as Pair).toLowerCase() === model.displayName.toLowerCase());
    if (clash) throw new LlmManagerError('NAME_CONFLICT', `Platform '${platform}' already has a model '${model.displayName}'.`, {
        details: { field: 'displayName', name: model.displayName },
      });
    pair.key = doc.createNode(model.displayName);
    for (const binding of bindingsOf(doc)) {
      if (binding.get('platform') === platform && binding.get('model') === displayName) binding.set('model', model.displayName);
    }
  }
  pair.value = modelValue(doc, model);
}

/** Deletes a model and the system bindings that point at it; returns the usage keys removed. */
export function deleteModel(doc: Document, platform: Key, displayName: Key): string[] {
  const models = modelsMap(doc, platform);
  const index = models.items.findIndex((item) => keyOf(item as Pair) === displayName);
  if (index < 0) throw notFound('MODEL_NOT_FOUND', `Platform '${platform}' has no model '${displayName}' in the YAML.`);
  models.items.splice(index, 1);
  return removeUsagesWhere(doc, (p, m) => p === platform && m === displayName);
}

/**
 * Binds (or re-binds) a system usage slot: `main: { platform: …, model: … }`, on one line. Re-binding keeps the rest of
 * the binding (its `fallbacks` chain, comments).
 */
export function setUsage(doc: Document, usageKey: Key, platform: string, model: string): void {
  const existing = usagesMap(doc, false)?.get(usageKey);
  if (isMap(existing)) {
    existing.set('platform', platform);
    existing.set('model', model);
    return;
  }
  const binding = doc.createNode({ platform, model }) as YAMLMap;
  binding.flow = true;
  usagesMap(doc, true)!.set(usageKey, binding);
}

/** Removes a system usage binding. */
export function deleteUsage(doc: Document, usageKey: Key): void {
  const usages = usagesMap(doc, false);
  if (!usages?.has(usageKey)) throw notFound('USAGE_SLOT_NOT_FOUND', `The YAML has no usage binding '${usageKey}'.`);
  usages.delete(usageKey);
}

/**
 * Removes the bindings that `matches`, and the models of the other bindings' chains that do (a chain naming a model
 * that is gone would not load); returns the usage keys removed.
 */
function removeUsagesWhere(doc: Document, matches: (platform: unknown, model: unknown) => boolean): string[] {
  const usages = usagesMap(doc, false);
  if (!usages) return [];
  for (const usage of usages.items) {
    const chain = isMap(usage.value) ? usage.value.get('fallbacks') : undefined;
    if (isSeq(chain)) chain.items = chain.items.filter((entry) => !(isMap(entry) && matches(entry.get('platform'), entry.get('model'))));
  }
  const removed: string[] = [];
  usages.items = usages.items.filter((item) => {
    const value = item.value;
    if (isMap(value) && matches(value.get('platform'), value.get('model'))) {
      removed.push(keyOf(item as Pair));
      return false;
    }
    return true;
  });
  return removed;
}
