import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, type ValueTransformer } from 'typeorm';

/** A list of names or addresses as JSON in a TEXT column; null is "no restriction". */
const stringListTransformer: ValueTransformer = {
  to: (value: string[] | null | undefined): string | null => (value === null || value === undefined ? null : JSON.stringify(value)),
  from: (value: string | null): string[] | null => (value === null || value === undefined ? null : (JSON.parse(value) as string[])),
};

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

  /** After this moment the token no longer verifies; null: it never expires. */
  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt!: Date | null;

  /** Model names (usage slots, `platform/model`) the gateway accepts from this token; null: every model. */
  @Column({ name: 'allowed_models', type: 'text', nullable: true, transformer: stringListTransformer })
  allowedModels!: string[] | null;

  /** IPs and CIDRs the gateway accepts this token from; null: any address. */
  @Column({ name: 'allowed_ips', type: 'text', nullable: true, transformer: stringListTransformer })
  allowedIps!: string[] | null;
}
