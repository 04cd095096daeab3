import { Column, Entity, PrimaryColumn } from 'typeorm';
import { nullableBigintTransformer } from '../database/json.transformer';

/**
 * The health of one platform + key (issue 18): retryable failures counted in a window, and until when the pair is
 * cooled down. Instants are epoch milliseconds so one atomic upsert can compute them on every engine. `key_id` is a
 * fingerprint of the key (see keyIdOf), never the key. A success deletes the row.
 */
@Entity('llm_key_health')
export class KeyHealthEntity {
  @PrimaryColumn({ name: 'platform_id', type: 'integer' })
  platformId!: number;

  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 64 })
  keyId!: string;

  /** Retryable failures since `window_start_ms`, reset when they cool the pair down. */
  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'window_start_ms', type: 'bigint', transformer: nullableBigintTransformer })
  windowStartMs!: number;

  /** Cooled down until this instant; `0`: never cooled since the last success. */
  @Column({ name: 'cooling_until_ms', type: 'bigint', transformer: nullableBigintTransformer })
  coolingUntilMs!: number;

  /** How long the next cooldown lasts: each cooldown doubles it, up to `maxCooldownMs`. */
  @Column({ name: 'next_cooldown_ms', type: 'bigint', transformer: nullableBigintTransformer })
  nextCooldownMs!: number;

  /** The code of the last failure (`UPSTREAM_RATE_LIMITED`, `UPSTREAM_ERROR`, …). */
  @Column({ type: 'varchar', length: 32 })
  reason!: string;

  @Column({ name: 'updated_at_ms', type: 'bigint', transformer: nullableBigintTransformer })
  updatedAtMs!: number;
}
