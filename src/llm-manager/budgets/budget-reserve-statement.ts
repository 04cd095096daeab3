import type { DataSource, QueryRunner } from 'typeorm';
import { UsageSqlDialect } from '../usage/usage-sql-dialect';
import { BudgetReservationEntity } from './budget-reservation.entity';
import { BudgetEntity } from './budget.entity';

/** One call's reservation on one budget, as bound parameters. */
export interface ReserveInput {
  budgetId: number;
  hard: boolean;
  amount: number;
  /** The bound start of the budget's window now (`UsageSqlDialect.dateTime`). */
  windowStart: string;
  callId: string;
  owner: string;
  expiresAt: string;
}

const RESERVATION_COLUMNS = 'call_id, budget_id, amount_micro_usd, owner, expires_at, window_start';

/**
 * A reservation (issue 16, bench P7) as few statements as each engine allows, every one conditional, none a read then
 * a write: the budget row gains the amount (its window rolled over first when it ended) only if a hard budget has
 * room, and the reservation row records the call for settlement and for the sweep of dead processes.
 *
 * - PostgreSQL: one statement, the conditional UPDATE … RETURNING feeding the INSERT of the reservation.
 * - SQLite: one statement, a conditional INSERT … SELECT of the reservation; its trigger (BudgetDefaults1768694400000)
 *   moves the amount onto the budget row. SQLite runs one writer at a time, so the condition holds when it writes.
 * - MariaDB, one budget: one compound statement (BEGIN NOT ATOMIC) running the two below in a transaction of its own.
 * - MySQL/MariaDB: the conditional UPDATE, then the INSERT, in the caller's transaction.
 *
 * Each resolves `false` when the budget has no room: nothing was written.
 */
export abstract class BudgetReserveStatement {
  static of(dataSource: DataSource): BudgetReserveStatement {
    const tables = { budgets: UsageSqlDialect.tableOf(dataSource, BudgetEntity), reservations: UsageSqlDialect.tableOf(dataSource, BudgetReservationEntity) };
    switch (dataSource.options.type) {
      case 'postgres':
        return new PostgresReserve(tables);
      case 'sqlite':
      case 'better-sqlite3':
        return new SqliteReserve(tables);
      case 'mariadb':
        return new MariadbReserve(tables);
      default:
        return new MysqlReserve(tables);
    }
  }

  protected constructor(protected readonly tables: { budgets: string; reservations: string }) {}

  /** Whether `reserveAlone` holds on its own, so a single budget needs no transaction around it. */
  abstract readonly single: boolean;

  /** Reserves inside the caller's transaction (or alone, when `single`). */
  abstract reserve(runner: QueryRunner, input: ReserveInput): Promise<boolean>;

  /** Reserves on one budget, outside any transaction (only when `single`). */
  reserveAlone(runner: QueryRunner, input: ReserveInput): Promise<boolean> {
    return this.reserve(runner, input);
  }
}

/** The spend of the budget's window at `start`: 0 once its stored window has ended. */
const SPENT_AT = (start: string): string => `(CASE WHEN window_start < ${start} THEN 0 ELSE spent_micro_usd END)`;

class PostgresReserve extends BudgetReserveStatement {
  readonly single = true;

  async reserve(runner: QueryRunner, input: ReserveInput): Promise<boolean> {
    const start = '$3::timestamptz';
    const room = input.hard ? ` AND ${SPENT_AT(start)} + reserved_micro_usd + $2::bigint <= limit_micro_usd` : '';
    const result = await runner.query(
      `WITH reserved AS (UPDATE ${this.tables.budgets} SET reserved_micro_usd = reserved_micro_usd + $2::bigint, ` +
        `spent_micro_usd = ${SPENT_AT(start)}, window_start = CASE WHEN window_start < ${start} THEN ${start} ELSE window_start END ` +
        `WHERE id = $1${room} RETURNING id) ` +
        `INSERT INTO ${this.tables.reservations} (${RESERVATION_COLUMNS}) SELECT $4, id, $2::bigint, $5, $6::timestamptz, ${start} FROM reserved`,
      [input.budgetId, input.amount, input.windowStart, input.callId, input.owner, input.expiresAt],
      true,
    );
    return (result.affected ?? 0) > 0;
  }
}

class SqliteReserve extends BudgetReserveStatement {
  readonly single = true;

  async reserve(runner: QueryRunner, input: ReserveInput): Promise<boolean> {
    const room = input.hard ? ` AND ${SPENT_AT('?')} + reserved_micro_usd + ? <= limit_micro_usd` : '';
    const result = await runner.query(
      `INSERT INTO ${this.tables.reservations} (${RESERVATION_COLUMNS}) SELECT ?, id, ?, ?, ?, ? FROM ${this.tables.budgets} WHERE id = ?${room}`,
      [input.callId, input.amount, input.owner, input.expiresAt, input.windowStart, input.budgetId, ...(input.hard ? [input.windowStart, input.amount] : [])],
      true,
    );
    return (result.affected ?? 0) > 0;
  }
}

class MysqlReserve extends BudgetReserveStatement {
  readonly single: boolean = false;

  async reserve(runner: QueryRunner, input: ReserveInput): Promise<boolean> {
    const updated = await runner.query(this.update(input), this.updateParameters(input), true);
    if ((updated.affected ?? 0) === 0) return false;
    await runner.query(this.insert(), this.insertParameters(input));
    return true;
  }

  // MySQL assigns left to right, each seeing the ones before: `window_start` goes last so `spent` reads the old one.
  // The amount is at least 1, so a reserving UPDATE always changes its row (MySQL counts changed rows, not matched).
  protected update(input: ReserveInput): string {
    const room = input.hard ? ` AND ${SPENT_AT('?')} + reserved_micro_usd + ? <= limit_micro_usd` : '';
    return (
      `UPDATE ${this.tables.budgets} SET reserved_micro_usd = reserved_micro_usd + ?, spent_micro_usd = ${SPENT_AT('?')}, ` +
      `window_start = CASE WHEN window_start < ? THEN ? ELSE window_start END WHERE id = ?${room}`
    );
  }

  protected updateParameters(input: ReserveInput): unknown[] {
    const { amount, windowStart, budgetId, hard } = input;
    return [amount, windowStart, windowStart, windowStart, budgetId, ...(hard ? [windowStart, amount] : [])];
  }

  protected insert(): string {
    return `INSERT INTO ${this.tables.reservations} (${RESERVATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`;
  }

  protected insertParameters(input: ReserveInput): unknown[] {
    return [input.callId, input.budgetId, input.amount, input.owner, input.expiresAt, input.windowStart];
  }
}

/**
 * MariaDB runs both statements, and their transaction, in one round trip: an anonymous compound statement. Any error
 * inside rolls its transaction back before it is raised, so the pooled connection is never left inside one.
 */
class MariadbReserve extends MysqlReserve {
  override readonly single = true;

  override async reserveAlone(runner: QueryRunner, input: ReserveInput): Promise<boolean> {
    const result = await runner.query(
      'BEGIN NOT ATOMIC DECLARE reserved INT DEFAULT 0; DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END; ' +
        `START TRANSACTION; ${this.update(input)}; SET reserved = ROW_COUNT(); ` +
        `IF reserved > 0 THEN ${this.insert()}; END IF; COMMIT; SELECT reserved; END`,
      [...this.updateParameters(input), ...this.insertParameters(input)],
      true,
    );
    const rows = (result.records as unknown[])[0] as Array<{ reserved: number | string }>;
    return Number(rows[0]?.reserved) > 0;
  }
}
