import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { PlatformEntity } from './platform.entity';

/** A user's own API key for a system platform (M1.2, M5). Survives a force reset from YAML. */
@Entity('llm_sys_platform_keys')
@Index('UQ_llm_sys_platform_keys_user_platform', ['userId', 'platformId'], { unique: true })
export class SysPlatformKeyEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ name: 'platform_id', type: 'integer' })
  platformId!: number;

  @ManyToOne(() => PlatformEntity, { onDelete: 'CASCADE', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'platform_id', foreignKeyConstraintName: 'FK_llm_sys_platform_keys_platform' })
  platform?: PlatformEntity;

  /** `ENC:v1:…` envelope, never plaintext. */
  @Column({ name: 'api_key_enc', type: 'text' })
  apiKeyEnc!: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
