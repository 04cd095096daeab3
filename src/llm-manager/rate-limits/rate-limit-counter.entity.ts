import { Column, Entity, PrimaryColumn } from 'typeorm';
import { nullableBigintTransformer } from '../database/json.transformer';

/**
 * Where one limited scope stands, shared by every instance on the database: requests and tokens of the minute window
 * starting at `window_start` (epoch ms) and the calls in flight. Only ever changed by conditional UPDATEs.
 */
@Entity('llm_rate_limit_counters')
export class RateLimitCounterEntity {
  /** The scope: `u:<user>`, `s:<user>:<slot>` or `t:<token id>` (see rateLimitKey). */
  @PrimaryColumn({ name: 'limit_key', type: 'varchar', length: 200 })
  limitKey!: string;

  @Column({ name: 'window_start', type: 'bigint', transformer: nullableBigintTransformer })
  windowStart!: number;

  @Column({ type: 'integer' })
  requests!: number;

  @Column({ type: 'bigint', transformer: nullableBigintTransformer })
  tokens!: number;

  @Column({ name: 'in_flight', type: 'integer' })
  inFlight!: number;
}
