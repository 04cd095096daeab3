import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Binary collations, best first (as in ExactTextCompare1767830400000, written out: a migration never changes). */
const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'];

/**
 * Issue 18, rate limits: `llm_rate_limits` holds the limits set per user, slot and token; `llm_rate_limit_counters`
 * where each limited scope stands in its current minute; `llm_rate_limit_leases` each running call's place among a
 * scope's concurrent calls. On MySQL/MariaDB the new tables compare text byte for byte, like every other table.
 */
export class RateLimits1768521600000 implements MigrationInterface {
  name = 'RateLimits1768521600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'llm_rate_limits',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'usage_key', type: 'varchar', length: '64', isNullable: true },
          { name: 'token_id', type: 'integer', isNullable: true },
          { name: 'rpm', type: 'integer', isNullable: true },
          { name: 'tpm', type: 'integer', isNullable: true },
          { name: 'concurrent', type: 'integer', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'IDX_llm_rate_limits_scope', columnNames: ['user_id', 'usage_key', 'token_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'llm_rate_limit_counters',
        columns: [
          { name: 'limit_key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'window_start', type: 'bigint' },
          { name: 'requests', type: 'integer' },
          { name: 'tokens', type: 'bigint' },
          { name: 'in_flight', type: 'integer' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'llm_rate_limit_leases',
        columns: [
          { name: 'call_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'limit_key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '64' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'IDX_llm_rate_limit_leases_expires', columnNames: ['expires_at'] })],
      }),
    );
    if (!isMysqlFamily(queryRunner)) return;
    const collation = await binaryCollation(queryRunner);
    for (const table of ['llm_rate_limits', 'llm_rate_limit_counters', 'llm_rate_limit_leases']) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('llm_rate_limit_leases');
    await queryRunner.dropTable('llm_rate_limit_counters');
    await queryRunner.dropTable('llm_rate_limits');
  }
}

function isMysqlFamily(queryRunner: QueryRunner): boolean {
  const type = queryRunner.connection.options.type;
  return type === 'mysql' || type === 'mariadb';
}

async function binaryCollation(queryRunner: QueryRunner): Promise<string> {
  const rows = (await queryRunner.query(
    `SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (${BINARY_COLLATIONS.map(() => '?').join(', ')})`,
    BINARY_COLLATIONS,
  )) as Array<{ name: string }>;
  const known = new Set(rows.map((row) => row.name));
  return BINARY_COLLATIONS.find((name) => known.has(name)) ?? 'utf8mb4_bin';
}
