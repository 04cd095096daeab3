import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { jsonObjectTransformer } from './json.transformer';
import { PlatformEntity } from './platform.entity';

/** A model offered by a platform, under a display name unique within that platform. */
@Entity('llm_models')
@Index('UQ_llm_models_platform_display_name', ['platformId', 'displayName'], { unique: true })
export class ModelEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'platform_id', type: 'integer' })
  platformId!: number;

  @ManyToOne(() => PlatformEntity, (platform) => platform.models, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'platform_id', foreignKeyConstraintName: 'FK_llm_models_platform' })
  platform?: PlatformEntity;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName!: string;

  /** The id sent upstream (`deepseek-chat`). */
  @Column({ name: 'model_name', type: 'varchar', length: 200 })
  modelName!: string;

  /** Merged into every request body of this model (M13). */
  @Column({ name: 'extra_body', type: 'text', nullable: true, transformer: jsonObjectTransformer })
  extraBody!: Record<string, unknown> | null;

  /** USD per 1M prompt tokens not read from the provider's cache, when known. */
  @Column({ name: 'input_price', type: 'double precision', nullable: true })
  inputPrice!: number | null;

  /** USD per 1M cached prompt tokens; `NULL` = priced at `input_price` (issue 16). */
  @Column({ name: 'cached_input_price', type: 'double precision', nullable: true })
  cachedInputPrice!: number | null;

  /** USD per 1M completion tokens (reasoning tokens included), when known. */
  @Column({ name: 'output_price', type: 'double precision', nullable: true })
  outputPrice!: number | null;

  @Column({ name: 'sort_order', type: 'integer', default: 0 })
  sortOrder!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
