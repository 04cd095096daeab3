import type { EntityManager } from 'typeorm';
import { ModelEntity } from './model.entity';
import { RetiredModelEntity } from './retired-model.entity';

/**
 * Keeps the names of the models about to be deleted (those of one platform, or one model) in `llm_retired_models`,
 * in the caller's transaction, so usage reports still name their calls (issue 19). Call it before the DELETE.
 */
export async function retireModels(manager: EntityManager, which: { platformId: number } | { modelId: number }): Promise<void> {
  const where = 'platformId' in which ? { platformId: which.platformId } : { id: which.modelId };
  const models = await manager.find(ModelEntity, { where, relations: { platform: true } });
  if (models.length === 0) return;
  const retiredAt = new Date();
  await manager.upsert(
    RetiredModelEntity,
    models.map((model) => ({ modelId: model.id, displayName: model.displayName, platformName: model.platform?.name ?? '', retiredAt })),
    ['modelId'],
  );
}
