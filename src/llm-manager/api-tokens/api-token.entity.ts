import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A per-user API token of the standalone server. Only the SHA-256 of the token is stored, so a copy of the
 * database cannot be replayed; `prefix` is the token's first characters, enough to recognise it in a list.
 */
@Entity('llm_api_tokens')
@Index('UQ_llm_api_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('IDX_llm_api_tokens_user', ['userId'])
export class ApiTokenEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The user the token acts as. */
  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  /** What the admin called it (`ci-bot`, `alice laptop`). */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** SHA-256 of the token, lowercase hex. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  /** Refreshed at most once a minute, so a busy token does not write on every request. */
  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt!: Date | null;

  /** Set once; a revoked token never verifies again. Rows are kept for the audit trail. */
  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;
}
