import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Every usage row carries the id of the call it records (B10), unique, so a journal replayed after a crash and a
 * batch retried after a lost acknowledgement can never write a call twice. Older rows keep `NULL`, which every
 * engine lets a unique index hold any number of times.
 */
export class UsageCallId1767744000000 implements MigrationInterface {
  name = 'UsageCallId1767744000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'usage_log_entries',
      new TableColumn({ name: 'call_id', type: 'varchar', length: '36', isNullable: true }),
    );
    await queryRunner.createIndex(
      'usage_log_entries',
      new TableIndex({ name: 'IDX_usage_log_entries_call_id', columnNames: ['call_id'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('usage_log_entries', 'IDX_usage_log_entries_call_id');
    await queryRunner.dropColumn('usage_log_entries', 'call_id');
  }
}
