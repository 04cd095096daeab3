import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 17, token controls: `llm_api_tokens` gains `expires_at` (null: never), `allowed_models` and `allowed_ips`
 * (JSON lists in TEXT, null: no restriction). The table was converted to a binary collation on MySQL/MariaDB
 * (ExactTextCompare), and columns added later take the table's collation, so the lists compare exactly there too.
 */
export class ApiTokenControls1768176000000 implements MigrationInterface {
  name = 'ApiTokenControls1768176000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dateType = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.addColumns('llm_api_tokens', [
      new TableColumn({ name: 'expires_at', type: dateType, isNullable: true }),
      new TableColumn({ name: 'allowed_models', type: 'text', isNullable: true }),
      new TableColumn({ name: 'allowed_ips', type: 'text', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('llm_api_tokens', ['expires_at', 'allowed_models', 'allowed_ips']);
  }
}
