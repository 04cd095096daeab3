import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { nullableBigintTransformer } from '../database/json.transformer';

/**
 * One call's hold on one budget, from the moment it is admitted until its usage row is counted. `owner` names the
 * process that made it; a reservation past `expires_at` whose owner stopped renewing it is released by the sweep.
 */
@Entity('llm_budget_reservations')
@Index('IDX_llm_budget_reservations_expires', ['expiresAt'])
export class BudgetReservationEntity {
  @PrimaryColumn({ name: 'call_id', type: 'varchar', length: 64 })
  callId!: string;

  @PrimaryColumn({ name: 'budget_id', type: 'integer' })
  budgetId!: number;

  @Column({ name: 'amount_micro_usd', type: 'bigint', transformer: nullableBigintTransformer })
  amountMicroUsd!: number;

  @Column({ type: 'varchar', length: 64 })
  owner!: string;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  /** The budget's window the call was admitted in: its cost is charged there (`NULL`: made before this was kept). */
  @Column({ name: 'window_start', type: Date, nullable: true })
  windowStart!: Date | null;
}
