import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { nullableBigintTransformer } from '../database/json.transformer';

/**
 * One call's place among a scope's concurrent calls. Its process renews `expires_at` (epoch ms) while the call runs;
 * a lease past it belongs to a process that died and is released by the sweep of any instance.
 */
@Entity('llm_rate_limit_leases')
@Index('IDX_llm_rate_limit_leases_expires', ['expiresAt'])
export class RateLimitLeaseEntity {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 64 })
  callId!: string;

  @PrimaryColumn({ name: 'limit_key', type: 'varchar', length: 200 })
  limitKey!: string;

  @Column({ type: 'varchar', length: 64 })
  owner!: string;

  @Column({ name: 'expires_at', type: 'bigint', transformer: nullableBigintTransformer })
  expiresAt!: number;
}
