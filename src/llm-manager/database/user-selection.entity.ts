import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SlotFallback } from '../user-selection/selection.types';
import { jsonObjectTransformer } from './json.transformer';

/**
 * Which platform/model a user bound to a usage slot (`main`, `fast`, `reason`, or custom). The rows of
 * `SYSTEM_USER_ID` are the system bindings every user's slots start from. No foreign keys on purpose: a slot whose
 * model was deleted is repaired on next use (M9), not cascaded away.
 */
@Entity('llm_user_selections')
@Index('UQ_llm_user_selections_user_usage', ['userId', 'usageKey'], { unique: true })
export class UserSelectionEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ name: 'usage_key', type: 'varchar', length: 64 })
  usageKey!: string;

  @Column({ name: 'platform_id', type: 'integer', nullable: true })
  platformId!: number | null;

  @Column({ name: 'model_id', type: 'integer', nullable: true })
  modelId!: number | null;

  /** The models tried in order when the bound one fails before answering (issue 18); `null`: none. */
  @Column({ name: 'fallbacks', type: 'text', nullable: true, transformer: jsonObjectTransformer })
  fallbacks!: SlotFallback[] | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
