import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * `llm_platforms.answered_at`: when the endpoint last answered a test or probe. A keyless platform (a local Ollama
 * preset) is usable only once it has; existing rows start unanswered. A date column, so no collation to set.
 */
export class PlatformAnsweredAt1767916800000 implements MigrationInterface {
  name = 'PlatformAnsweredAt1767916800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dateType = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.addColumn('llm_platforms', new TableColumn({ name: 'answered_at', type: dateType, isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('llm_platforms', 'answered_at');
  }
}
