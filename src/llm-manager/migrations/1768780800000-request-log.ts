import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const USAGE = 'usage_log_entries';
const RETIRED = 'llm_retired_models';
/** Binary collations, best first (as in ExactTextCompare1767830400000, written out: a migration never changes). */
const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'];
const OLD_CREATED = new TableIndex({ name: 'IDX_usage_log_entries_created', columnNames: ['created_at'] });
const CREATED_ID = new TableIndex({ name: 'IDX_usage_log_entries_created_id', columnNames: ['created_at', 'id'] });

/**
 * Issue 19, the request log. Each usage row names the slot it was called for (`usage_key`) and, for a failed call,
 * its error code and a short masked detail. The index on `created_at` gains `id`, so the newest-first keyset pages
 * (`created_at`, `id`) read in index order on PostgreSQL too (SQLite and InnoDB carry the row id in every index
 * already); it replaces the old one, which is its prefix, so writes keep the same number of indexes (bench P3).
 * `llm_retired_models` keeps the names of deleted models, one row per model written when it is deleted, so old usage
 * still shows them; names on every usage row would have made every write wider for a rare case.
 */
export class RequestLog1768780800000 implements MigrationInterface {
  name = 'RequestLog1768780800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns(USAGE, [
      new TableColumn({ name: 'usage_key', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'error_code', type: 'varchar', length: '32', isNullable: true }),
      new TableColumn({ name: 'error_detail', type: 'varchar', length: '300', isNullable: true }),
    ]);
    await queryRunner.createIndex(USAGE, CREATED_ID);
    await queryRunner.dropIndex(USAGE, OLD_CREATED.name!);
    const dateType = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: RETIRED,
        columns: [
          { name: 'model_id', type: 'integer', isPrimary: true },
          { name: 'display_name', type: 'varchar', length: '100' },
          { name: 'platform_name', type: 'varchar', length: '100' },
          { name: 'retired_at', type: dateType },
        ],
      }),
    );
    const type = queryRunner.connection.options.type;
    if (type !== 'mysql' && type !== 'mariadb') return;
    const rows = (await queryRunner.query(
      `SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (${BINARY_COLLATIONS.map(() => '?').join(', ')})`,
      BINARY_COLLATIONS,
    )) as Array<{ name: string }>;
    const known = new Set(rows.map((row) => row.name));
    const collation = BINARY_COLLATIONS.find((name) => known.has(name)) ?? 'utf8mb4_bin';
    await queryRunner.query(`ALTER TABLE \`${RETIRED}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(RETIRED);
    await queryRunner.createIndex(USAGE, OLD_CREATED);
    await queryRunner.dropIndex(USAGE, CREATED_ID.name!);
    for (const column of ['error_detail', 'error_code', 'usage_key']) await queryRunner.dropColumn(USAGE, column);
  }
}
