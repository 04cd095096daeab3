import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Usage rows learn how a call ended, what the provider reported, and how long it took (issue: tracked models). */
export class UsageOutcome1767312000000 implements MigrationInterface {
  name = 'UsageOutcome1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('usage_log_entries', [
      new TableColumn({ name: 'outcome', type: 'varchar', length: '16', default: "'ok'" }),
      new TableColumn({ name: 'reported_prompt_tokens', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'reported_completion_tokens', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'latency_ms', type: 'integer', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['latency_ms', 'reported_completion_tokens', 'reported_prompt_tokens', 'outcome']) {
      await queryRunner.dropColumn('usage_log_entries', column);
    }
  }
}
