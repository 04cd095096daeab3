import { DataSource, type DataSourceOptions } from 'typeorm';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { LlmManagerDatabaseOptions } from '../llm-manager.options';
import { LLM_MANAGER_MIGRATIONS, LLM_MANAGER_MIGRATIONS_TABLE } from '../migrations';
import { LLM_MANAGER_ENTITIES } from './entities';

/** DataSource options for llm-mgr's own connection: our entities and migrations, never `synchronize`. */
export function buildDataSourceOptions(database: LlmManagerDatabaseOptions): DataSourceOptions {
  return {
    ...database,
    name: LLM_MGR_DATA_SOURCE,
    entities: LLM_MANAGER_ENTITIES,
    migrations: LLM_MANAGER_MIGRATIONS,
    migrationsTableName: LLM_MANAGER_MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
  } as DataSourceOptions;
}

/** Opens the connection without touching the schema; `runMigrations` is a separate, explicit step. */
export async function openDataSource(database: LlmManagerDatabaseOptions): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions(database)).initialize();
}
