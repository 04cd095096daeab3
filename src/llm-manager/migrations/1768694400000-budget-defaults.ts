import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const BUDGETS = 'llm_budgets';

/**
 * Issue 16, the rest: `default_for` marks a budget created on first use from a configured default (`auto-key`: the
 * `autoKeyBudget` of users spending the system's keys); a unique index on (user, default_for) lets concurrent first
 * calls of any number of processes create it once (NULL, an administrator's budget, never collides: every engine
 * treats NULLs as distinct). `soft_announced_window` is the window a soft budget was last announced full in, so one
 * conditional UPDATE picks the one instance that announces it. Text columns inherit the table's binary collation on
 * MySQL/MariaDB (Budgets1768262400000).
 */
export class BudgetDefaults1768694400000 implements MigrationInterface {
  name = 'BudgetDefaults1768694400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dateType = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.addColumn(BUDGETS, new TableColumn({ name: 'default_for', type: 'varchar', length: '16', isNullable: true }));
    await queryRunner.addColumn(BUDGETS, new TableColumn({ name: 'soft_announced_window', type: dateType, isNullable: true }));
    await queryRunner.createIndex(BUDGETS, new TableIndex({ name: 'UQ_llm_budgets_default', columnNames: ['user_id', 'default_for'], isUnique: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(BUDGETS, 'UQ_llm_budgets_default');
    await queryRunner.dropColumn(BUDGETS, 'soft_announced_window');
    await queryRunner.dropColumn(BUDGETS, 'default_for');
  }
}
