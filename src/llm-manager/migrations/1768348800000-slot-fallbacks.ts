import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 18, fallback chains: `llm_user_selections.fallbacks` holds the ordered models a slot falls back to, as JSON
 * `[{ "platformId": 1, "modelId": 2 }, …]`; `NULL` (every row before this migration) means none. A chain is read
 * whole with its slot, never queried into, so a column beside the binding serves better than a table to join. On
 * MySQL/MariaDB the column inherits the table's binary default (ExactTextCompare1767830400000).
 */
export class SlotFallbacks1768348800000 implements MigrationInterface {
  name = 'SlotFallbacks1768348800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('llm_user_selections', new TableColumn({ name: 'fallbacks', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('llm_user_selections', 'fallbacks');
  }
}
