import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
import { ReloadingSnapshot } from '../common/reloading-snapshot';
import { ModelEntity } from '../database/model.entity';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import { costMicroUsd, type ModelPrice } from './usage-cost';
import type { UsageRow } from './usage-row';

type Prices = ReadonlyMap<number, ModelPrice>;

/**
 * The price in force for every model, kept in memory so pricing a row costs no query on a warm path: every model's
 * price is read in one query, then again only after a ConfigChanges event that may have changed one (a model or
 * platform write, a YAML sync, another instance's write relayed as `all`).
 */
@Injectable()
export class PriceBook implements OnModuleDestroy {
  private readonly prices: ReloadingSnapshot<Prices>;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) dataSource: DataSource,
    changes: ConfigChanges,
  ) {
    this.prices = new ReloadingSnapshot(async () => {
      const models = await dataSource
        .getRepository(ModelEntity)
        .find({ select: { id: true, inputPrice: true, cachedInputPrice: true, outputPrice: true } });
      return new Map(models.map((m) => [m.id, { inputPrice: m.inputPrice, cachedInputPrice: m.cachedInputPrice, outputPrice: m.outputPrice }]));
    });
    this.unsubscribe = changes.subscribe((change) => this.invalidate(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * Sets `row.costMicroUsd` (`null` = unpriced) and returns the row; synchronous when the prices are in memory. The
   * row is changed in place: it is the ledger's own, and a copy per call costs more than the pricing itself.
   */
  price(row: UsageRow): UsageRow | Promise<UsageRow> {
    const priced = (prices: Prices | null): UsageRow => {
      row.costMicroUsd = row.modelId === null ? null : costMicroUsd(row, prices?.get(row.modelId) ?? null);
      return row;
    };
    const current = this.prices.current;
    return current || row.modelId === null ? priced(current) : this.prices.load().then(priced);
  }

  /** The price in force for a model; `null` when it has none (or is gone). */
  async priceOf(modelId: number): Promise<ModelPrice | null> {
    const prices = this.prices.current ?? (await this.prices.load());
    return prices.get(modelId) ?? null;
  }

  private invalidate(change: ConfigChange): void {
    if (change.kind === 'model' || change.kind === 'platform' || change.kind === 'all') this.prices.invalidate();
  }
}
