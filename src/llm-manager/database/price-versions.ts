import { In, type EntityManager } from 'typeorm';
import { ModelEntity } from './model.entity';
import { ModelPriceVersionEntity } from './model-price-version.entity';

type Prices = Pick<ModelEntity, 'inputPrice' | 'cachedInputPrice' | 'outputPrice'>;

const samePrices = (a: Prices, b: Prices): boolean =>
  a.inputPrice === b.inputPrice && a.cachedInputPrice === b.cachedInputPrice && a.outputPrice === b.outputPrice;

const unpriced = (p: Prices): boolean => p.inputPrice === null && p.cachedInputPrice === null && p.outputPrice === null;

/**
 * Writes a price version for every model (of `modelIds`, or all) whose prices differ from its latest version, in the
 * caller's transaction. Comparing with the latest version rather than with the row before the write makes every door
 * (YAML sync, admin API, console) one call after its saves, and a repeated call a no-op. A model never priced gets no
 * version; a price removed gets one of NULLs.
 */
export async function recordPriceVersions(manager: EntityManager, modelIds?: readonly number[], at: Date = new Date()): Promise<number> {
  if (modelIds !== undefined && modelIds.length === 0) return 0;
  const where = modelIds === undefined ? {} : { id: In([...modelIds]) };
  const models = await manager.find(ModelEntity, { where, select: { id: true, inputPrice: true, cachedInputPrice: true, outputPrice: true } });
  if (models.length === 0) return 0;
  const versions = await manager.find(ModelPriceVersionEntity, {
    where: { modelId: In(models.map((m) => m.id)) },
    order: { effectiveFrom: 'DESC', id: 'DESC' },
  });
  const latest = new Map<number, ModelPriceVersionEntity>();
  for (const version of versions) if (!latest.has(version.modelId)) latest.set(version.modelId, version);
  const changed = models.filter((model) => {
    const last = latest.get(model.id);
    return last ? !samePrices(last, model) : !unpriced(model);
  });
  if (changed.length === 0) return 0;
  await manager.insert(
    ModelPriceVersionEntity,
    changed.map((m) => ({ modelId: m.id, inputPrice: m.inputPrice, cachedInputPrice: m.cachedInputPrice, outputPrice: m.outputPrice, effectiveFrom: at })),
  );
  return changed.length;
}
