import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';

/**
 * The first schema. Written with TypeORM's Table API rather than raw SQL so the one migration runs on SQLite,
 * PostgreSQL and MySQL/MariaDB; date column types come from the driver, as the entities' date columns do.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);

    await queryRunner.createTable(
      new Table({
        name: 'llm_platforms',
        columns: [
          c.id(),
          c.varchar('owner_id', 64),
          c.varchar('name', 100),
          c.varchar('base_url', 500),
          c.text('api_key_enc', true),
          c.varchar('api_key_env', 100, true),
          c.int('sort_order', '0'),
          c.autoDate('created_at'),
          c.autoDate('updated_at', true),
        ],
        indices: [new TableIndex({ name: 'UQ_llm_platforms_owner_name', columnNames: ['owner_id', 'name'], isUnique: true })],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'llm_models',
        columns: [
          c.id(),
          c.int('platform_id'),
          c.varchar('display_name', 100),
          c.varchar('model_name', 200),
          c.text('extra_body', true),
          c.double('input_price'),
          c.double('output_price'),
          c.int('sort_order', '0'),
          c.autoDate('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_llm_models_platform_display_name',
            columnNames: ['platform_id', 'display_name'],
            isUnique: true,
          }),
        ],
        foreignKeys: [platformForeignKey('FK_llm_models_platform')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'llm_user_selections',
        columns: [
          c.id(),
          c.varchar('user_id', 64),
          c.varchar('usage_key', 64),
          c.int('platform_id', undefined, true),
          c.int('model_id', undefined, true),
          c.autoDate('created_at'),
          c.autoDate('updated_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_llm_user_selections_user_usage',
            columnNames: ['user_id', 'usage_key'],
            isUnique: true,
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'llm_sys_platform_keys',
        columns: [
          c.id(),
          c.varchar('user_id', 64),
          c.int('platform_id'),
          c.text('api_key_enc'),
          c.autoDate('created_at'),
          c.autoDate('updated_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'UQ_llm_sys_platform_keys_user_platform',
            columnNames: ['user_id', 'platform_id'],
            isUnique: true,
          }),
        ],
        foreignKeys: [platformForeignKey('FK_llm_sys_platform_keys_platform')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'usage_log_entries',
        columns: [
          c.id(),
          c.varchar('user_id', 64),
          c.int('model_id', undefined, true),
          c.int('prompt_tokens', '0'),
          c.int('completion_tokens', '0'),
          c.int('total_tokens', '0'),
          c.int('reasoning_tokens', '0'),
          { name: 'success', type: 'smallint' },
          { ...c.varchar('usage_source', 16), default: "'estimated'" },
          c.varchar('agent_name', 100, true),
          c.date('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'IDX_usage_log_entries_user_created', columnNames: ['user_id', 'created_at'] }),
          new TableIndex({ name: 'IDX_usage_log_entries_created', columnNames: ['created_at'] }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'llm_mgr_meta',
        columns: [{ ...c.varchar('key', 64), isPrimary: true }, c.text('value')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'llm_mgr_meta',
      'usage_log_entries',
      'llm_sys_platform_keys',
      'llm_user_selections',
      'llm_models',
      'llm_platforms',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}

function platformForeignKey(name: string): TableForeignKey {
  return new TableForeignKey({
    name,
    columnNames: ['platform_id'],
    referencedTableName: 'llm_platforms',
    referencedColumnNames: ['id'],
    onDelete: 'CASCADE',
    onUpdate: 'NO ACTION',
  });
}

/** Column builders that pick the types each driver maps the entities' decorators to. */
function columnsFor(queryRunner: QueryRunner) {
  const driver = queryRunner.connection.driver;
  const dateType = driver.normalizeType({ type: Date });
  const isMysql = driver.options.type === 'mysql' || driver.options.type === 'mariadb';
  return {
    id: (): TableColumnOptions => ({
      name: 'id',
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    }),
    varchar: (name: string, length: number, isNullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    }),
    text: (name: string, isNullable = false): TableColumnOptions => ({ name, type: 'text', isNullable }),
    int: (name: string, defaultValue?: string, isNullable = false): TableColumnOptions => ({
      name,
      type: 'integer',
      isNullable,
      ...(defaultValue === undefined ? {} : { default: defaultValue }),
    }),
    date: (name: string): TableColumnOptions => ({ name, type: dateType }),
    double: (name: string): TableColumnOptions => ({
      name,
      type: driver.normalizeType({ type: 'double precision' }),
      isNullable: true,
    }),
    autoDate: (name: string, onUpdate = false): TableColumnOptions => ({
      name,
      type: driver.mappedDataTypes.createDate as string,
      precision: driver.mappedDataTypes.createDatePrecision,
      default: driver.mappedDataTypes.createDateDefault,
      // MySQL keeps `updated_at` current itself; the entities' @UpdateDateColumn declares the same.
      ...(onUpdate && isMysql ? { onUpdate: driver.mappedDataTypes.updateDateDefault } : {}),
    }),
  };
}
