import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ModelEntity } from './model.entity';

/**
 * An OpenAI-compatible endpoint. System platforms (from the YAML or the admin) have `ownerId = SYSTEM_USER_ID`;
 * a user's private platforms carry that user's id and are invisible to everyone else.
 */
@Entity('llm_platforms')
@Index('UQ_llm_platforms_owner_name', ['ownerId', 'name'], { unique: true })
export class PlatformEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'owner_id', type: 'varchar', length: 64 })
  ownerId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'base_url', type: 'varchar', length: 500 })
  baseUrl!: string;

  /** `ENC:v1:…` envelope, never plaintext. */
  @Column({ name: 'api_key_enc', type: 'text', nullable: true })
  apiKeyEnc!: string | null;

  /** Name of the environment variable that holds the key (`{DEEPSEEK_API_KEY}` in the YAML), resolved at run time. */
  @Column({ name: 'api_key_env', type: 'varchar', length: 100, nullable: true })
  apiKeyEnv!: string | null;

  /**
   * When the endpoint last answered a model test or a probe of the stored platform; cleared when its base URL changes.
   * A platform without a key counts as usable only once it has answered: "no key needed" is not "something listens".
   */
  @Column({ name: 'answered_at', type: Date, nullable: true })
  answeredAt!: Date | null;

  /** Since when an administrator has switched the platform off (issue 19); null: enabled. Kept, not deleted. */
  @Column({ name: 'disabled_at', type: Date, nullable: true })
  disabledAt!: Date | null;

  /** When a model of the platform was last tested, whether it answered, and a short masked detail (issue 19). */
  @Column({ name: 'last_test_at', type: Date, nullable: true })
  lastTestAt!: Date | null;

  @Column({ name: 'last_test_ok', type: Boolean, nullable: true })
  lastTestOk!: boolean | null;

  @Column({ name: 'last_test_detail', type: 'varchar', length: 300, nullable: true })
  lastTestDetail!: string | null;

  /** Position among the owner's platforms; the lowest is the default. */
  @Column({ name: 'sort_order', type: 'integer', default: 0 })
  sortOrder!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @OneToMany(() => ModelEntity, (model) => model.platform)
  models?: ModelEntity[];
}
