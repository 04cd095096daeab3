import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

const USAGE = 'usage_log_entries';

/**
 * Issue 18, one retry loop: every attempt of a call is a row of its own. `attempt` numbers them from 1 across the
 * retries and the fallback chain; `fallback_from` is the `call_id` of the failed attempt this one replaced (`NULL` for
 * a first attempt, and for every row before this migration). On MySQL/MariaDB the text column inherits the table's
 * binary default (ExactTextCompare1767830400000).
 */
export class UsageAttempts1768435200000 implements MigrationInterface {
  name = 'UsageAttempts1768435200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(USAGE, new TableColumn({ name: 'attempt', type: 'integer', default: 1 }));
    await queryRunner.addColumn(USAGE, new TableColumn({ name: 'fallback_from', type: 'varchar', length: '36', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn(USAGE, 'fallback_from');
    await queryRunner.dropColumn(USAGE, 'attempt');
  }
}
