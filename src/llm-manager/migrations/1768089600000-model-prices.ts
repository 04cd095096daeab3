import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { BOTH_COUNTS_INDEX_COLUMNS } from './1768003200000-usage-both-counts';

const USAGE = 'usage_log_entries';
const INDEX = 'IDX_usage_log_entries_user_created_totals';
const TOTALS = BOTH_COUNTS_INDEX_COLUMNS;

/**
 * Issue 16, prices and cost: models gain `cached_input_price`; `llm_model_price_versions` keeps every price a model
 * had and since when (models priced before this migration get their first version now); usage rows gain
 * `cost_micro_usd`, stored when the row is recorded. Rows recorded before stay `NULL` (unpriced): their price at the
 * time is unknown, and a report must not change because a price did. The covering index of one user's statistics
 * gains the cost so cost sums still read the index alone (bench P5). No text column: no collation to set.
 */
export class ModelPrices1768089600000 implements MigrationInterface {
  name = 'ModelPrices1768089600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    await queryRunner.addColumn('llm_models', new TableColumn({ name: 'cached_input_price', type: 'double precision', isNullable: true }));
    await queryRunner.createTable(
      new Table({
        name: 'llm_model_price_versions',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'model_id', type: 'integer' },
          { name: 'input_price', type: 'double precision', isNullable: true },
          { name: 'cached_input_price', type: 'double precision', isNullable: true },
          { name: 'output_price', type: 'double precision', isNullable: true },
          { name: 'effective_from', type: driver.normalizeType({ type: Date }) },
        ],
        indices: [new TableIndex({ name: 'IDX_llm_model_price_versions_model', columnNames: ['model_id', 'effective_from'] })],
        foreignKeys: [
          {
            name: 'FK_llm_model_price_versions_model',
            columnNames: ['model_id'],
            referencedTableName: 'llm_models',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      }),
    );
    const priced = (await queryRunner.query(
      'SELECT id, input_price, output_price FROM ' + table(queryRunner, 'llm_models') + ' WHERE input_price IS NOT NULL OR output_price IS NOT NULL',
    )) as Array<{ id: number | string; input_price: number | string | null; output_price: number | string | null }>;
    const now = new Date();
    for (const model of priced) {
      await queryRunner.manager.insert('llm_model_price_versions', {
        model_id: Number(model.id),
        input_price: model.input_price === null ? null : Number(model.input_price),
        cached_input_price: null,
        output_price: model.output_price === null ? null : Number(model.output_price),
        effective_from: now,
      });
    }
    await queryRunner.addColumn(USAGE, new TableColumn({ name: 'cost_micro_usd', type: 'bigint', isNullable: true }));
    await queryRunner.dropIndex(USAGE, INDEX);
    await queryRunner.createIndex(USAGE, new TableIndex({ name: INDEX, columnNames: [...TOTALS, 'cost_micro_usd'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(USAGE, INDEX);
    await queryRunner.dropColumn(USAGE, 'cost_micro_usd');
    await queryRunner.createIndex(USAGE, new TableIndex({ name: INDEX, columnNames: [...TOTALS] }));
    await queryRunner.dropTable('llm_model_price_versions');
    await queryRunner.dropColumn('llm_models', 'cached_input_price');
  }
}

/** The escaped name of a table, in the connection's own schema when it names one (PostgreSQL). */
function table(queryRunner: QueryRunner, name: string): string {
  const { driver, options } = queryRunner.connection;
  const schema = (options as { schema?: string }).schema;
  return [schema, name].filter((part): part is string => Boolean(part)).map((part) => driver.escape(part)).join('.');
}
