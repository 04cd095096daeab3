import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 19, platform health: `llm_platforms.disabled_at` switches a platform off without deleting it (NULL, every
 * row before this migration: enabled); `last_test_at` / `last_test_ok` / `last_test_detail` keep the outcome of its
 * last model test, so the console shows it after a reload. The detail is short and masked, never a key. On
 * MySQL/MariaDB the text column inherits the table's binary default (ExactTextCompare1767830400000).
 */
export class PlatformHealth1768867200000 implements MigrationInterface {
  name = 'PlatformHealth1768867200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    const dateType = driver.normalizeType({ type: Date });
    await queryRunner.addColumns('llm_platforms', [
      new TableColumn({ name: 'disabled_at', type: dateType, isNullable: true }),
      new TableColumn({ name: 'last_test_at', type: dateType, isNullable: true }),
      new TableColumn({ name: 'last_test_ok', type: driver.normalizeType({ type: Boolean }), isNullable: true }),
      new TableColumn({ name: 'last_test_detail', type: 'varchar', length: '300', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['last_test_detail', 'last_test_ok', 'last_test_at', 'disabled_at']) await queryRunner.dropColumn('llm_platforms', name);
  }
}
