import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A rate limit set by an administrator (issue 18): on one user (`user_id`), on one slot of one user (`user_id` +
 * `usage_key`), or on one API token (`token_id`, nothing else). Each limit column `NULL`: no limit of that kind. The
 * per-user default of the options and the YAML is not stored: a user's own row replaces it.
 */
@Entity('llm_rate_limits')
@Index('IDX_llm_rate_limits_scope', ['userId', 'usageKey', 'tokenId'])
export class RateLimitEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64, nullable: true })
  userId!: string | null;

  @Column({ name: 'usage_key', type: 'varchar', length: 64, nullable: true })
  usageKey!: string | null;

  @Column({ name: 'token_id', type: 'integer', nullable: true })
  tokenId!: number | null;

  /** Requests per minute. */
  @Column({ type: 'integer', nullable: true })
  rpm!: number | null;

  /** Tokens (prompt + completion) per minute. */
  @Column({ type: 'integer', nullable: true })
  tpm!: number | null;

  /** Calls in flight at once. */
  @Column({ type: 'integer', nullable: true })
  concurrent!: number | null;
}
