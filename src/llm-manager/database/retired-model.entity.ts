import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The names a model had when it was deleted (issue 19): written in the transaction that deletes it (or its
 * platform), whatever the door (admin API, console, YAML reset), so usage reports still name the calls it served.
 */
@Entity('llm_retired_models')
export class RetiredModelEntity {
  /** The deleted model's id, as the usage rows still hold it; ids are never reused. */
  @PrimaryColumn({ name: 'model_id', type: 'integer' })
  modelId!: number;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName!: string;

  @Column({ name: 'platform_name', type: 'varchar', length: 100 })
  platformName!: string;

  @Column({ name: 'retired_at', type: Date })
  retiredAt!: Date;
}
