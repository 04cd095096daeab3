import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Binary collations, best first (as in ExactTextCompare1767830400000, written out: a migration never changes). */
const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'];

/**
 * Issue 16, budgets: `llm_budgets` holds each limit with the spend and reservations of its current window;
 * `llm_budget_reservations` holds each call's reservation until the call is counted (or its process is found dead).
 * On MySQL/MariaDB the new tables compare text byte for byte, like every other table.
 */
export class Budgets1768262400000 implements MigrationInterface {
  name = 'Budgets1768262400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dateType = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'llm_budgets',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'usage_key', type: 'varchar', length: '64', isNullable: true },
          { name: 'token_id', type: 'integer', isNullable: true },
          { name: 'limit_micro_usd', type: 'bigint' },
          { name: 'period', type: 'varchar', length: '8' },
          { name: 'time_zone', type: 'varchar', length: '64' },
          { name: 'hard', type: 'smallint' },
          { name: 'window_start', type: dateType },
          { name: 'spent_micro_usd', type: 'bigint' },
          { name: 'reserved_micro_usd', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'IDX_llm_budgets_user', columnNames: ['user_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'llm_budget_reservations',
        columns: [
          { name: 'call_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'budget_id', type: 'integer', isPrimary: true },
          { name: 'amount_micro_usd', type: 'bigint' },
          { name: 'owner', type: 'varchar', length: '64' },
          { name: 'expires_at', type: dateType },
        ],
        indices: [new TableIndex({ name: 'IDX_llm_budget_reservations_expires', columnNames: ['expires_at'] })],
      }),
    );
    if (!isMysqlFamily(queryRunner)) return;
    const collation = await binaryCollation(queryRunner);
    for (const table of ['llm_budgets', 'llm_budget_reservations']) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('llm_budget_reservations');
    await queryRunner.dropTable('llm_budgets');
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
