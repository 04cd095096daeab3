import { Document, isMap, isPair, type YAMLMap } from 'yaml';
import type { DataSource } from 'typeorm';
import { ModelEntity } from '../../llm-manager/database/model.entity';
import { PlatformEntity } from '../../llm-manager/database/platform.entity';
import { UserSelectionEntity } from '../../llm-manager/database/user-selection.entity';
import { SYSTEM_USER_ID } from '../../llm-manager/llm-manager.constants';
import type { SecretCipher } from '../../llm-manager/security/secret-cipher';

/** The system catalogue as YAML, and what could not be expressed in it. */
export interface YamlExport {
  text: string;
  platforms: number;
  models: number;
  usages: number;
  warnings: string[];
}

type ModelYaml = string | Record<string, unknown>;

/**
 * The system platforms of the database in the format of llm_mgr_cfg.yaml (SPEC M10): platforms in their order,
 * models in the short form unless they carry extra_body or prices, keys as the stored ENC:v1: envelope (the same
 * format in the database and the YAML) or the `{ENV}` placeholder, never in plain text; `usages` from the system
 * bindings. Every envelope is opened with `cipher` first, so the file works with the key in force.
 */
export async function exportSystemCatalogue(dataSource: DataSource, cipher: SecretCipher, header: string): Promise<YamlExport> {
  const platforms = await dataSource.getRepository(PlatformEntity).find({
    where: { ownerId: SYSTEM_USER_ID },
    order: { sortOrder: 'ASC', id: 'ASC' },
  });
  const models = await dataSource.getRepository(ModelEntity).find({ order: { sortOrder: 'ASC', id: 'ASC' } });
  const bindings = await dataSource
    .getRepository(UserSelectionEntity)
    .find({ where: { userId: SYSTEM_USER_ID }, order: { id: 'ASC' } });
  const warnings: string[] = [];
  const platformsYaml: Record<string, unknown> = {};
  let modelCount = 0;
  for (const platform of platforms) {
    const own = models.filter((model) => model.platformId === platform.id);
    modelCount += own.length;
    const entry: Record<string, unknown> = { base_url: platform.baseUrl };
    if (platform.apiKeyEnc) {
      cipher.decrypt(platform.apiKeyEnc, `platform '${platform.name}'`);
      entry.api_key = platform.apiKeyEnc;
    } else if (platform.apiKeyEnv) {
      entry.api_key = `{${platform.apiKeyEnv}}`;
    }
    entry.models = Object.fromEntries(own.map((model) => [model.displayName, modelYaml(model)]));
    platformsYaml[platform.name] = entry;
  }
  type Ref = { platform: string; model: string };
  const refOf = (platformId: number | null, modelId: number | null): Ref | undefined => {
    const platform = platforms.find((candidate) => candidate.id === platformId);
    const model = models.find((candidate) => candidate.id === modelId && candidate.platformId === platformId);
    return platform && model ? { platform: platform.name, model: model.displayName } : undefined;
  };
  const usagesYaml: Record<string, Ref & { fallbacks?: Ref[] }> = {};
  for (const binding of bindings) {
    const bound = refOf(binding.platformId, binding.modelId);
    if (!bound) {
      warnings.push(`The system binding '${binding.usageKey}' points at a deleted platform or model; it is left out.`);
      continue;
    }
    // Issue 18: the chain by names; an entry whose model is gone is left out, as a sync would.
    const fallbacks = (binding.fallbacks ?? []).map((entry) => refOf(entry.platformId, entry.modelId)).filter((ref): ref is Ref => ref !== undefined);
    usagesYaml[binding.usageKey] = fallbacks.length ? { ...bound, fallbacks } : bound;
  }
  const doc = new Document({ platforms: platformsYaml, usages: usagesYaml });
  doc.commentBefore = header;
  flowStyle(doc.get('usages'), 1);
  const platformsNode = doc.get('platforms');
  if (isMap(platformsNode)) {
    for (const platformPair of platformsNode.items) {
      const modelsNode = isMap(platformPair.value) ? platformPair.value.get('models') : undefined;
      if (!isMap(modelsNode)) continue;
      for (const modelPair of modelsNode.items) if (isMap(modelPair.value)) flowStyle(modelPair.value.get('extra_body'), 0);
    }
  }
  return {
    text: doc.toString({ lineWidth: 0, singleQuote: true }),
    platforms: platforms.length,
    models: modelCount,
    usages: Object.keys(usagesYaml).length,
    warnings,
  };
}

function modelYaml(model: ModelEntity): ModelYaml {
  if (model.extraBody === null && model.inputPrice === null && model.cachedInputPrice === null && model.outputPrice === null) return model.modelName;
  const full: Record<string, unknown> = { model_name: model.modelName };
  if (model.extraBody !== null) full.extra_body = model.extraBody;
  if (model.inputPrice !== null) full.input_price = model.inputPrice;
  if (model.cachedInputPrice !== null) full.cached_input_price = model.cachedInputPrice;
  if (model.outputPrice !== null) full.output_price = model.outputPrice;
  return full;
}

/** `{ platform: …, model: … }` on one line: the node itself (depth 0) or each of its values (depth 1). */
function flowStyle(node: unknown, depth: 0 | 1): void {
  if (!isMap(node)) return;
  if (depth === 0) {
    (node as YAMLMap).flow = true;
    return;
  }
  for (const pair of node.items) if (isPair(pair) && isMap(pair.value)) pair.value.flow = true;
}
