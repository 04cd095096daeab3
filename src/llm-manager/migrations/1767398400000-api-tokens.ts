import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Per-user API tokens of the standalone server (`llm_api_tokens`). Table API rather than raw SQL so it runs on
 * SQLite, PostgreSQL and MySQL/MariaDB. The column helpers are written out here instead of shared with the first
 * migration: a migration is a record of what was run and must not change when a helper elsewhere does.
 */
export class ApiTokens1767398400000 implements MigrationInterface {
  name = 'ApiTokens1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const driver = queryRunner.connection.driver;
    // The entity's `type: Date` and @CreateDateColumn map to these per driver (datetime, timestamp, …).
    const dateType = driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'llm_api_tokens',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'prefix', type: 'varchar', length: '16' },
          {
            name: 'created_at',
            type: driver.mappedDataTypes.createDate as string,
            precision: driver.mappedDataTypes.createDatePrecision,
            default: driver.mappedDataTypes.createDateDefault,
          },
          { name: 'last_used_at', type: dateType, isNullable: true },
          { name: 'revoked_at', type: dateType, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'UQ_llm_api_tokens_token_hash', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'IDX_llm_api_tokens_user', columnNames: ['user_id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('llm_api_tokens');
  }
}
