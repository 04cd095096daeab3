import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ModelEntity } from './model.entity';

/**
 * One price of a model from `effective_from` on (issue 16): written in the transaction that changes the model's
 * prices, whatever the door (YAML sync, admin API, console). Usage rows store their cost when recorded, so these rows
 * are the record of which price was in force when; reports never recompute from them.
 */
@Entity('llm_model_price_versions')
@Index('IDX_llm_model_price_versions_model', ['modelId', 'effectiveFrom'])
export class ModelPriceVersionEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'model_id', type: 'integer' })
  modelId!: number;

  @ManyToOne(() => ModelEntity, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'model_id', foreignKeyConstraintName: 'FK_llm_model_price_versions_model' })
  model?: ModelEntity;

  /** USD per 1M prompt tokens not read from the provider's cache; `NULL` = unpriced. */
  @Column({ name: 'input_price', type: 'double precision', nullable: true })
  inputPrice!: number | null;

  /** USD per 1M cached prompt tokens; `NULL` = priced at `input_price`. */
  @Column({ name: 'cached_input_price', type: 'double precision', nullable: true })
  cachedInputPrice!: number | null;

  /** USD per 1M completion tokens (reasoning included); `NULL` = unpriced. */
  @Column({ name: 'output_price', type: 'double precision', nullable: true })
  outputPrice!: number | null;

  @Column({ name: 'effective_from', type: Date })
  effectiveFrom!: Date;
}
