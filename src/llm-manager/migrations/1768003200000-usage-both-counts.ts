import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const TABLE = 'usage_log_entries';
const SEED_TOTALS = ['user_id', 'created_at', 'model_id', 'agent_name', 'total_tokens', 'prompt_tokens', 'completion_tokens', 'success'];
const INDEX = 'IDX_usage_log_entries_user_created_totals';
const DRIFT_COLUMNS = [
  'cached_prompt_tokens',
  'reasoning_tokens',
  'estimated_prompt_tokens',
  'reported_prompt_tokens',
  'estimated_completion_tokens',
  'reported_completion_tokens',
];
/** The covering index this migration leaves; a later migration extends it. */
export const BOTH_COUNTS_INDEX_COLUMNS: readonly string[] = [...SEED_TOTALS, ...DRIFT_COLUMNS];

/**
 * Issue 15: a row keeps the estimate and the provider's count side by side, whichever is billed, plus the cached
 * input the provider reported, so every statistic can show cached tokens and how far the estimate drifted.
 * `usage_source` now says which counts a row holds (`estimated`, `reported`, `both`). Existing rows are carried over:
 * a row that billed the estimate has it in its token columns (and is `both` when a report sits beside it); a row
 * that billed the report never stored its estimate and stays `reported`. The covering index of one user's
 * statistics gains the new sums' columns so those queries still read the index alone (bench P5). Integer columns
 * only: no collation to set on MySQL/MariaDB.
 */
export class UsageBothCounts1768003200000 implements MigrationInterface {
  name = 'UsageBothCounts1768003200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns(TABLE, [
      new TableColumn({ name: 'cached_prompt_tokens', type: 'integer', default: 0 }),
      new TableColumn({ name: 'estimated_prompt_tokens', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'estimated_completion_tokens', type: 'integer', isNullable: true }),
    ]);
    const table = usageTable(queryRunner);
    await queryRunner.query(
      `UPDATE ${table} SET estimated_prompt_tokens = prompt_tokens, estimated_completion_tokens = completion_tokens ` +
        `WHERE usage_source = 'estimated'`,
    );
    await queryRunner.query(`UPDATE ${table} SET usage_source = 'both' WHERE usage_source = 'estimated' AND reported_prompt_tokens IS NOT NULL`);
    await queryRunner.dropIndex(TABLE, INDEX);
    await queryRunner.createIndex(TABLE, new TableIndex({ name: INDEX, columnNames: [...BOTH_COUNTS_INDEX_COLUMNS] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(TABLE, INDEX);
    await queryRunner.query(`UPDATE ${usageTable(queryRunner)} SET usage_source = 'estimated' WHERE usage_source = 'both'`);
    await queryRunner.dropColumns(TABLE, ['cached_prompt_tokens', 'estimated_prompt_tokens', 'estimated_completion_tokens']);
    await queryRunner.createIndex(TABLE, new TableIndex({ name: INDEX, columnNames: SEED_TOTALS }));
  }
}

/** The escaped name of the table, in the connection's own schema when it names one (PostgreSQL). */
function usageTable(queryRunner: QueryRunner): string {
  const { driver, options } = queryRunner.connection;
  const schema = (options as { schema?: string }).schema;
  return [schema, TABLE].filter((part): part is string => Boolean(part)).map((part) => driver.escape(part)).join('.');
}
