import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { booleanIntTransformer, nullableBigintTransformer } from '../database/json.transformer';

/** How long a budget's window lasts; `total` never resets. */
export const BUDGET_PERIODS = ['day', 'week', 'month', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** Which configured default a budget row was created from. */
export type BudgetDefaultKind = 'auto-key';

/**
 * A spending limit of one user (issue 16), optionally narrowed to one slot (`usage_key`) or one API token. Money is
 * counted in integer micro-USD so sums never drift. `spent` and `reserved` belong to the window starting at
 * `window_start` (calendar-aligned in `time_zone`); a call reserves its estimate with one conditional UPDATE before it
 * leaves and settles to its actual cost when its row is counted.
 */
@Entity('llm_budgets')
@Index('IDX_llm_budgets_user', ['userId'])
@Index('UQ_llm_budgets_default', ['userId', 'defaultFor'], { unique: true })
export class BudgetEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  /** `NULL`: every slot of the user. */
  @Column({ name: 'usage_key', type: 'varchar', length: 64, nullable: true })
  usageKey!: string | null;

  /** `NULL`: every API token (and calls made without one). */
  @Column({ name: 'token_id', type: 'integer', nullable: true })
  tokenId!: number | null;

  @Column({ name: 'limit_micro_usd', type: 'bigint', transformer: nullableBigintTransformer })
  limitMicroUsd!: number;

  @Column({ type: 'varchar', length: 8 })
  period!: BudgetPeriod;

  /** IANA time zone the period's calendar follows, e.g. `UTC`, `Asia/Shanghai`. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64 })
  timeZone!: string;

  /** `true`: calls are refused once the limit is reached; `false`: only an event and a log line. */
  @Column({ type: 'smallint', transformer: booleanIntTransformer })
  hard!: boolean;

  @Column({ name: 'window_start', type: Date })
  windowStart!: Date;

  @Column({ name: 'spent_micro_usd', type: 'bigint', transformer: nullableBigintTransformer })
  spentMicroUsd!: number;

  @Column({ name: 'reserved_micro_usd', type: 'bigint', transformer: nullableBigintTransformer })
  reservedMicroUsd!: number;

  /** `NULL`: set by an administrator. `auto-key`: created on first use from the `autoKeyBudget` default. */
  @Column({ name: 'default_for', type: 'varchar', length: 16, nullable: true })
  defaultFor!: BudgetDefaultKind | null;

  /** The window (its start) this soft budget was last announced full in; one announcement per window, all instances. */
  @Column({ name: 'soft_announced_window', type: Date, nullable: true })
  softAnnouncedWindow!: Date | null;
}
