import { isEnabled, type CatalogueReader } from '../catalogue/catalogue-reader';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';
import type { SlotFallback, SlotFallbackView } from './selection.types';

/** A model of a chain that still exists. */
export interface BoundModel {
  platform: PlatformEntity;
  model: ModelEntity;
}

/**
 * The models of a slot's fallback chain this user may call now, in order. One deleted, disabled or no longer visible is left
 * out rather than repaired: the slot's own model is what self-repair (M9) keeps usable; a chain only adds to it.
 */
export async function usableFallbacks(
  catalogue: CatalogueReader,
  userId: string,
  chain: readonly SlotFallback[] | null,
): Promise<BoundModel[]> {
  const usable: BoundModel[] = [];
  for (const entry of chain ?? []) {
    const bound = await catalogue.findBinding(entry.platformId, entry.modelId);
    if (bound && catalogue.isVisibleTo(bound.platform, userId) && isEnabled(bound.platform)) usable.push(bound);
  }
  return usable;
}

/** The chain as the API shows it; names are null for an entry whose model is gone. */
export async function describeFallbacks(catalogue: CatalogueReader, chain: readonly SlotFallback[] | null): Promise<SlotFallbackView[]> {
  const views: SlotFallbackView[] = [];
  for (const entry of chain ?? []) {
    const bound = await catalogue.findBinding(entry.platformId, entry.modelId);
    views.push({
      platform_id: entry.platformId,
      platform_name: bound?.platform.name ?? null,
      model_id: entry.modelId,
      model_display_name: bound?.model.displayName ?? null,
    });
  }
  return views;
}
