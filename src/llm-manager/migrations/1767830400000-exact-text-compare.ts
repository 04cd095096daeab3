import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables of llm-mgr when this migration was written; tables a later migration creates are its own business. */
const TABLES = [
  'llm_platforms',
  'llm_models',
  'llm_user_selections',
  'llm_sys_platform_keys',
  'usage_log_entries',
  'llm_mgr_meta',
  'llm_api_tokens',
  'llm_mgr_config_version',
];

/**
 * Binary collations, best first. A `_nopad_` / `_0900_` collation also tells `bob` from `bob ` (PAD SPACE collations,
 * `utf8mb4_bin` among them, ignore trailing spaces); `utf8mb4_bin` is the fallback every version has.
 */
const BINARY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'];

/**
 * MySQL/MariaDB only: every text column compares byte for byte. Tables used to take the database's default collation
 * (`utf8mb4_general_ci` and the like), under which `BOB` equals `bob` and `böb` equals `bob`: one user could read,
 * spend and delete another's keys, platforms and slots. SQLite (BINARY) and PostgreSQL (deterministic collations)
 * already compare exactly. `CONVERT TO` also makes binary the tables' default, so columns added later inherit it.
 */
export class ExactTextCompare1767830400000 implements MigrationInterface {
  name = 'ExactTextCompare1767830400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    const collation = await binaryCollation(queryRunner);
    for (const table of await tablesToConvert(queryRunner, collation)) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!isMysqlFamily(queryRunner)) return;
    for (const table of await existingTables(queryRunner)) {
      await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET DEFAULT`);
    }
  }
}

function isMysqlFamily(queryRunner: QueryRunner): boolean {
  const type = queryRunner.connection.options.type;
  return type === 'mysql' || type === 'mariadb';
}

/** The first of `BINARY_COLLATIONS` this server knows. */
async function binaryCollation(queryRunner: QueryRunner): Promise<string> {
  const rows = (await queryRunner.query(
    `SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (${BINARY_COLLATIONS.map(() => '?').join(', ')})`,
    BINARY_COLLATIONS,
  )) as Array<{ name: string }>;
  const known = new Set(rows.map((row) => row.name));
  return BINARY_COLLATIONS.find((name) => known.has(name)) ?? 'utf8mb4_bin';
}

async function existingTables(queryRunner: QueryRunner): Promise<string[]> {
  const rows = (await queryRunner.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${TABLES.map(() => '?').join(', ')})`,
    TABLES,
  )) as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

/** Tables with a text column (or a table default) that is not yet `collation`: a converted table is not rebuilt again. */
async function tablesToConvert(queryRunner: QueryRunner, collation: string): Promise<string[]> {
  const rows = (await queryRunner.query(
    `SELECT t.TABLE_NAME AS name FROM information_schema.TABLES t
      WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME IN (${TABLES.map(() => '?').join(', ')})
        AND (t.TABLE_COLLATION <> ? OR EXISTS (SELECT 1 FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA
          AND c.TABLE_NAME = t.TABLE_NAME AND c.COLLATION_NAME IS NOT NULL AND c.COLLATION_NAME <> ?))`,
    [...TABLES, collation, collation],
  )) as Array<{ name: string }>;
  return rows.map((row) => row.name);
}
