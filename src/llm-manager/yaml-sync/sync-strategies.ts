import type { EntityManager } from 'typeorm';
import { SYSTEM_USER_ID } from '../llm-manager.constants';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';
import { retireModels } from '../database/retire-models';
import { UserSelectionEntity } from '../database/user-selection.entity';
import { addWarning, type SyncReport } from './sync-report';
import { fallbackTargetMissing, usageTargetMissing } from './yaml-warning';
import type { SlotFallback } from '../user-selection/selection.types';
import type { YamlConfig, YamlModel, YamlModelRef, YamlPlatform, YamlUsage } from './yaml-config';

/** A YAML platform's key, already checked and in its stored form. */
export interface StoredKey {
  apiKeyEnc: string | null;
  apiKeyEnv: string | null;
}

/** What earlier syncs imported: platform name → model display names. Lets an incremental sync tell "new in the
 * YAML" from "deleted by an admin since", so deletions made in DB mode are not undone on the next start. */
export type ImportedNames = Record<string, string[]>;

export interface SyncInput {
  config: YamlConfig;
  keys: Map<string, StoredKey>;
  imported: ImportedNames;
  /** Platform renames made in the YAML since the last sync: new name → old name (see yaml-renames.ts). */
  renames: Record<string, string>;
}

/** Runs inside one transaction; every write goes through `manager`. */
export const SyncStrategy = {
  /** First start and every later one: add what is new in the YAML, never overwrite or delete. */
  async incremental(manager: EntityManager, input: SyncInput, report: SyncReport): Promise<ImportedNames> {
    const imported: ImportedNames = { ...input.imported };
    const existing = await systemPlatforms(manager);
    let nextOrder = Math.max(-1, ...existing.map((p) => p.sortOrder)) + 1;
    for (const yamlPlatform of input.config.platforms) {
      const stored = existing.find((p) => p.name === yamlPlatform.name);
      const seenModels = imported[yamlPlatform.name];
      if (!stored && seenModels) {
        report.skipped.push(yamlPlatform.name);
        continue;
      }
      const platform = stored ?? (await insertPlatform(manager, yamlPlatform, input.keys, nextOrder++));
      (stored ? report.kept : report.added).push(yamlPlatform.name);
      const storedModels = platform.models ?? [];
      let modelOrder = Math.max(-1, ...storedModels.map((m) => m.sortOrder)) + 1;
      for (const model of yamlPlatform.models) {
        const label = `${yamlPlatform.name}/${model.displayName}`;
        if (storedModels.some((m) => m.displayName === model.displayName)) report.kept.push(label);
        else if (stored && seenModels?.includes(model.displayName)) report.skipped.push(label);
        else {
          await manager.save(manager.create(ModelEntity, modelRow(model, platform.id, modelOrder++)));
          report.added.push(label);
        }
      }
      imported[yamlPlatform.name] = union(seenModels ?? [], yamlPlatform.models.map((m) => m.displayName));
    }
    const bindings = await manager.findBy(UserSelectionEntity, { userId: SYSTEM_USER_ID });
    for (const usage of input.config.usages) {
      if (bindings.some((b) => b.usageKey === usage.usageKey)) report.kept.push(`usage:${usage.usageKey}`);
      else await bindUsage(manager, usage, report);
    }
    return imported;
  },

  /**
   * YAML wins for system platforms, in place: ids stay, so users' keys and selections on platforms the YAML keeps
   * survive; those on a platform it drops go with it (the report's `impact` names them).
   */
  async forceReset(manager: EntityManager, input: SyncInput, report: SyncReport): Promise<ImportedNames> {
    const existing = await systemPlatforms(manager);
    for (const [order, yamlPlatform] of input.config.platforms.entries()) {
      const stored = existing.find((p) => p.name === yamlPlatform.name);
      if (stored) {
        await manager.update(PlatformEntity, { id: stored.id }, {
          baseUrl: yamlPlatform.baseUrl,
          sortOrder: order,
          ...input.keys.get(yamlPlatform.name),
          // What answered was the old address.
          ...(stored.baseUrl === yamlPlatform.baseUrl ? {} : { answeredAt: null }),
        });
      }
      (stored ? report.replaced : report.added).push(yamlPlatform.name);
      const platform = stored ?? (await insertPlatform(manager, yamlPlatform, input.keys, order));
      await replaceModels(manager, platform, yamlPlatform, report);
    }
    for (const stale of existing.filter((p) => !input.config.platforms.some((y) => y.name === p.name))) {
      await retireModels(manager, { platformId: stale.id });
      await manager.delete(PlatformEntity, { id: stale.id });
      report.removed.push(stale.name);
    }
    await manager.delete(UserSelectionEntity, { userId: SYSTEM_USER_ID });
    for (const usage of input.config.usages) await bindUsage(manager, usage, report);
    return Object.fromEntries(input.config.platforms.map((p) => [p.name, p.models.map((m) => m.displayName)]));
  },
};

async function replaceModels(
  manager: EntityManager,
  stored: PlatformEntity,
  yamlPlatform: YamlPlatform,
  report: SyncReport,
): Promise<void> {
  const storedModels = stored.models ?? [];
  for (const [order, model] of yamlPlatform.models.entries()) {
    const label = `${yamlPlatform.name}/${model.displayName}`;
    const match = storedModels.find((m) => m.displayName === model.displayName);
    if (match) {
      await manager.save(ModelEntity, { ...modelRow(model, stored.id, order), id: match.id });
      report.replaced.push(label);
    } else {
      await manager.save(manager.create(ModelEntity, modelRow(model, stored.id, order)));
      report.added.push(label);
    }
  }
  for (const stale of storedModels.filter((m) => !yamlPlatform.models.some((y) => y.displayName === m.displayName))) {
    await retireModels(manager, { modelId: stale.id });
    await manager.delete(ModelEntity, { id: stale.id });
    report.removed.push(`${yamlPlatform.name}/${stale.displayName}`);
  }
}

async function systemPlatforms(manager: EntityManager): Promise<PlatformEntity[]> {
  return manager.find(PlatformEntity, {
    where: { ownerId: SYSTEM_USER_ID },
    relations: { models: true },
    order: { sortOrder: 'ASC', id: 'ASC' },
  });
}

async function insertPlatform(
  manager: EntityManager,
  yamlPlatform: YamlPlatform,
  keys: Map<string, StoredKey>,
  sortOrder: number,
): Promise<PlatformEntity> {
  const platform = await manager.save(
    manager.create(PlatformEntity, {
      ownerId: SYSTEM_USER_ID,
      name: yamlPlatform.name,
      baseUrl: yamlPlatform.baseUrl,
      sortOrder,
      ...(keys.get(yamlPlatform.name) ?? { apiKeyEnc: null, apiKeyEnv: null }),
    }),
  );
  platform.models = [];
  return platform;
}

function modelRow(model: YamlModel, platformId: number, sortOrder: number): Partial<ModelEntity> {
  return {
    platformId,
    displayName: model.displayName,
    modelName: model.modelName,
    extraBody: model.extraBody,
    inputPrice: model.inputPrice,
    cachedInputPrice: model.cachedInputPrice,
    outputPrice: model.outputPrice,
    sortOrder,
  };
}

async function bindUsage(manager: EntityManager, usage: YamlUsage, report: SyncReport): Promise<void> {
  const { platform, model } = (await findSystemModel(manager, usage)) ?? {};
  if (!platform || !model) {
    addWarning(report, usageTargetMissing(usage.usageKey, usage.platform, usage.model));
    return;
  }
  const fallbacks: SlotFallback[] = [];
  for (const ref of usage.fallbacks) {
    const found = await findSystemModel(manager, ref);
    if (found) fallbacks.push({ platformId: found.platform.id, modelId: found.model.id });
    else addWarning(report, fallbackTargetMissing(usage.usageKey, ref.platform, ref.model));
  }
  await manager.save(
    manager.create(UserSelectionEntity, {
      userId: SYSTEM_USER_ID,
      usageKey: usage.usageKey,
      platformId: platform.id,
      modelId: model.id,
      fallbacks: fallbacks.length ? fallbacks : null,
    }),
  );
  report.added.push(`usage:${usage.usageKey}`);
}

async function findSystemModel(manager: EntityManager, ref: YamlModelRef): Promise<{ platform: PlatformEntity; model: ModelEntity } | null> {
  const platform = await manager.findOneBy(PlatformEntity, { ownerId: SYSTEM_USER_ID, name: ref.platform });
  const model = platform ? await manager.findOneBy(ModelEntity, { platformId: platform.id, displayName: ref.model }) : null;
  return platform && model ? { platform, model } : null;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
