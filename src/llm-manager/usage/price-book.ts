import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
import { ModelEntity } from '../database/model.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { costMicroUsd, type ModelPrice } from './usage-cost';
import type { UsageRow } from './usage-row';

/**
 * The price in force for each model, kept in memory so pricing a row costs no query on a warm path: a model's
 * price is read once, then again only after a ConfigChanges event that may have changed it (a model or platform
 * write, a YAML sync, another instance's write relayed as `all`).
 */
@Injectable()
export class PriceBook implements OnModuleDestroy {
  private readonly prices = new Map<number, ModelPrice | null>();
  private readonly loading = new Map<number, Promise<ModelPrice | null>>();
  /** Bumped by every invalidation, so a read that started before one never stores what it read. */
  private generation = 0;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    changes: ConfigChanges,
  ) {
    this.unsubscribe = changes.subscribe((change) => this.invalidate(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** `row` with its cost (`costMicroUsd`, `null` = unpriced); synchronous when the model's price is cached. */
  price(row: UsageRow): UsageRow | Promise<UsageRow> {
    if (row.modelId === null) return { ...row, costMicroUsd: null };
    const cached = this.prices.get(row.modelId);
    if (cached !== undefined || this.prices.has(row.modelId)) return { ...row, costMicroUsd: costMicroUsd(row, cached ?? null) };
    return this.load(row.modelId).then((price) => ({ ...row, costMicroUsd: costMicroUsd(row, price) }));
  }

  private load(modelId: number): Promise<ModelPrice | null> {
    const pending = this.loading.get(modelId);
    if (pending) return pending;
    const generation = this.generation;
    const read = this.dataSource
      .getRepository(ModelEntity)
      .findOne({ where: { id: modelId }, select: { id: true, inputPrice: true, cachedInputPrice: true, outputPrice: true } })
      .then((model) => {
        const price = model ? { inputPrice: model.inputPrice, cachedInputPrice: model.cachedInputPrice, outputPrice: model.outputPrice } : null;
        if (generation === this.generation) this.prices.set(modelId, price);
        return price;
      })
      .finally(() => this.loading.delete(modelId));
    this.loading.set(modelId, read);
    return read;
  }

  private invalidate(change: ConfigChange): void {
    if (change.kind === 'model') this.forget(() => this.prices.delete(change.modelId));
    // A platform write may delete its models (cascade); which ones is not in the event.
    else if (change.kind === 'platform' || change.kind === 'all') this.forget(() => this.prices.clear());
  }

  private forget(drop: () => void): void {
    this.generation += 1;
    this.loading.clear();
    drop();
  }
}
