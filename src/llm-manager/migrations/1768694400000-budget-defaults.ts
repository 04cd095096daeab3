import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const BUDGETS = 'llm_budgets';
const RESERVATIONS = 'llm_budget_reservations';
const RESERVE_TRIGGER = 'llm_budget_reservations_reserve';

/**
 * Issue 16, the rest: `default_for` marks a budget created on first use from a configured default (`auto-key`: the
 * `autoKeyBudget` of users spending the system's keys); a unique index on (user, default_for) lets concurrent first
 * calls of any number of processes create it once (NULL, an administrator's budget, never collides: every engine
 * treats NULLs as distinct). `soft_announced_window` is the window a soft budget was last announced full in, so one
 * conditional UPDATE picks the one instance that announces it. A reservation remembers the window it was admitted in
 * (`window_start`): its cost is charged to that window. On SQLite a reservation is one statement (bench P7): a
 * conditional INSERT … SELECT of the reservation, whose trigger moves it onto the budget row (rolling its window over)
 * in the same statement. Text columns inherit the table's binary collation on MySQL/MariaDB (Budgets1768262400000).
 */
export class BudgetDefaults1768694400000 implements MigrationInterface {
  name = 'BudgetDefaults1768694400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dateType = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.addColumn(BUDGETS, new TableColumn({ name: 'default_for', type: 'varchar', length: '16', isNullable: true }));
    await queryRunner.addColumn(BUDGETS, new TableColumn({ name: 'soft_announced_window', type: dateType, isNullable: true }));
    await queryRunner.createIndex(BUDGETS, new TableIndex({ name: 'UQ_llm_budgets_default', columnNames: ['user_id', 'default_for'], isUnique: true }));
    await queryRunner.addColumn(RESERVATIONS, new TableColumn({ name: 'window_start', type: dateType, isNullable: true }));
    if (!isSqlite(queryRunner)) return;
    await queryRunner.query(
      `CREATE TRIGGER ${RESERVE_TRIGGER} AFTER INSERT ON ${RESERVATIONS} FOR EACH ROW WHEN NEW.window_start IS NOT NULL BEGIN ` +
        `UPDATE ${BUDGETS} SET ` +
        'spent_micro_usd = CASE WHEN window_start < NEW.window_start THEN 0 ELSE spent_micro_usd END, ' +
        'window_start = CASE WHEN window_start < NEW.window_start THEN NEW.window_start ELSE window_start END, ' +
        'reserved_micro_usd = reserved_micro_usd + NEW.amount_micro_usd ' +
        'WHERE id = NEW.budget_id; END',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (isSqlite(queryRunner)) await queryRunner.query(`DROP TRIGGER IF EXISTS ${RESERVE_TRIGGER}`);
    await queryRunner.dropColumn(RESERVATIONS, 'window_start');
    await queryRunner.dropIndex(BUDGETS, 'UQ_llm_budgets_default');
    await queryRunner.dropColumn(BUDGETS, 'soft_announced_window');
    await queryRunner.dropColumn(BUDGETS, 'default_for');
  }
}

function isSqlite(queryRunner: QueryRunner): boolean {
  const type = queryRunner.connection.options.type;
  return type === 'sqlite' || type === 'better-sqlite3';
}
