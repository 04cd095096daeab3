import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every date column of llm-mgr, by table. */
const DATE_COLUMNS: Record<string, string[]> = {
  llm_platforms: ['created_at', 'updated_at'],
  llm_models: ['created_at'],
  llm_user_selections: ['created_at', 'updated_at'],
  llm_sys_platform_keys: ['created_at', 'updated_at'],
  usage_log_entries: ['created_at'],
  llm_api_tokens: ['created_at', 'last_used_at', 'revoked_at'],
};

/**
 * PostgreSQL only: date columns become `timestamp with time zone` (see data-source.factory.ts). Databases created
 * before this release hold UTC wall-clock values (usage rows always were, the rest on servers running in UTC), so the
 * old values are read as UTC. Fresh databases already have the type: their columns are left alone.
 */
export class UtcTimestamps1767657600000 implements MigrationInterface {
  name = 'UtcTimestamps1767657600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    for (const [tableName, columns] of Object.entries(DATE_COLUMNS)) {
      const table = await queryRunner.getTable(tableName);
      if (!table) continue;
      for (const column of columns) {
        if (table.findColumnByName(column)?.type !== 'timestamp without time zone') continue;
        await queryRunner.query(
          `ALTER TABLE ${tablePath(queryRunner, tableName)} ALTER COLUMN "${column}" TYPE timestamp with time zone USING "${column}" AT TIME ZONE 'UTC'`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    for (const [tableName, columns] of Object.entries(DATE_COLUMNS)) {
      for (const column of columns) {
        await queryRunner.query(
          `ALTER TABLE ${tablePath(queryRunner, tableName)} ALTER COLUMN "${column}" TYPE timestamp without time zone USING "${column}" AT TIME ZONE 'UTC'`,
        );
      }
    }
  }
}

function tablePath(queryRunner: QueryRunner, tableName: string): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return schema ? `"${schema}"."${tableName}"` : `"${tableName}"`;
}
