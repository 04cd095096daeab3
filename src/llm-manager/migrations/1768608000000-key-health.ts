import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Binary collations, best first (as in ExactTextCompare1767830400000, written out: a migration never changes). */
const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'];

/**
 * Issue 18, cooldowns: `llm_key_health` holds, per platform and key fingerprint, the retryable failures of the current
 * window and until when the pair is cooled down, shared by every instance on the database. Instants are epoch ms
 * (bigint) so the one upsert per failure computes them alike on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class KeyHealth1768608000000 implements MigrationInterface {
  name = 'KeyHealth1768608000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'llm_key_health',
        columns: [
          { name: 'platform_id', type: 'integer', isPrimary: true },
          { name: 'key_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'failures', type: 'integer' },
          { name: 'window_start_ms', type: 'bigint' },
          { name: 'cooling_until_ms', type: 'bigint' },
          { name: 'next_cooldown_ms', type: 'bigint' },
          { name: 'reason', type: 'varchar', length: '32' },
          { name: 'updated_at_ms', type: 'bigint' },
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
    await queryRunner.query(`ALTER TABLE \`llm_key_health\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('llm_key_health');
  }
}
