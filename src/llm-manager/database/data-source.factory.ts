import { DataSource, type DataSourceOptions } from 'typeorm';
import type { MysqlDriver } from 'typeorm/driver/mysql/MysqlDriver';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { LlmManagerDatabaseOptions } from '../llm-manager.options';
import { LLM_MANAGER_MIGRATIONS, LLM_MANAGER_MIGRATIONS_TABLE } from '../migrations';
import { LLM_MANAGER_ENTITIES } from './entities';
import { createPrivateSqliteFile, sharedSqliteFile } from './private-sqlite-file';
import { retryBusyStatements, SQLITE_BUSY_TIMEOUT_MS } from './sqlite-busy';
import { sqliteLockWait, SQLITE_LOCK_WAIT_MS } from './sqlite-lock-wait';

/**
 * DataSource options for llm-mgr's own connection: our entities and migrations, never `synchronize` nor `dropSchema`, and sessions
 * that speak UTC. Every instant llm-mgr stores is UTC, whatever the time zone of the process or of the server: two
 * instances in different zones, a server-side default (`now()`, `CURRENT_TIMESTAMP`) and the usage writer's own UTC
 * strings must all agree.
 */
export function buildDataSourceOptions(database: LlmManagerDatabaseOptions): DataSourceOptions {
  // Typed loosely here: four spreads of DataSourceOptions' union are more than the compiler can represent.
  const engineSettings: Record<string, unknown> = { ...utcSession(database), ...sharedSqliteSettings(database) };
  return {
    ...sqliteLockWait(database),
    ...database,
    ...engineSettings,
    name: LLM_MGR_DATA_SOURCE,
    entities: LLM_MANAGER_ENTITIES,
    migrations: LLM_MANAGER_MIGRATIONS,
    migrationsTableName: LLM_MANAGER_MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    dropSchema: false,
  } as DataSourceOptions;
}

/**
 * llm-mgr's DataSource, not yet connected: also what the TypeORM CLI loads (`config/data-source.ts`), so that
 * `migration:generate` compares the entities with the schema through the same column types the app uses.
 */
export function createDataSource(database: LlmManagerDatabaseOptions): DataSource {
  const dataSource = new DataSource(buildDataSourceOptions(database));
  if (dataSource.options.type === 'postgres') storeInstantsWithTimeZone(dataSource.driver as PostgresDriver);
  if (sharedSqliteFile(database) !== undefined) retryBusyStatements(dataSource, sqliteLockWaitMs(database));
  return dataSource;
}

/** Opens the connection without touching the schema; `runMigrations` is a separate, explicit step. */
export async function openDataSource(database: LlmManagerDatabaseOptions): Promise<DataSource> {
  createPrivateSqliteFile(database);
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  if (dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb') {
    await useUtcSessions(dataSource);
  }
  return dataSource;
}

/**
 * A SQLite file other processes may open too: WAL (readers never wait for a writer, a writer never waits for readers)
 * and a short synchronous busy wait. The wait the operator asked for (`timeout` of better-sqlite3, `busyTimeout` of
 * sqlite3; default 5 s) is kept, but waited asynchronously by sqlite-busy.ts, so the event loop never stalls on a lock.
 */
function sharedSqliteSettings(database: LlmManagerDatabaseOptions): Partial<DataSourceOptions> {
  if (sharedSqliteFile(database) === undefined) return {};
  if (database.type === 'better-sqlite3') return { enableWAL: database.enableWAL ?? true, timeout: SQLITE_BUSY_TIMEOUT_MS };
  if (database.type === 'sqlite') return { enableWAL: database.enableWAL ?? true, busyTimeout: SQLITE_BUSY_TIMEOUT_MS };
  return {};
}

/** How long a statement on a SQLite file may wait, in all, for another process's lock. */
function sqliteLockWaitMs(database: LlmManagerDatabaseOptions): number {
  if (database.type === 'better-sqlite3') return database.timeout ?? SQLITE_LOCK_WAIT_MS;
  if (database.type === 'sqlite') return database.busyTimeout ?? SQLITE_LOCK_WAIT_MS;
  return 0;
}

function utcSession(database: LlmManagerDatabaseOptions): Partial<DataSourceOptions> {
  switch (database.type) {
    case 'postgres': {
      // Session TimeZone UTC: date_trunc buckets and the usage writer's UTC strings are read as UTC.
      const extra = (database.extra ?? {}) as { options?: string };
      return { extra: { ...extra, options: [extra.options, '-c TimeZone=UTC'].filter(Boolean).join(' ') } };
    }
    case 'mysql':
    case 'mariadb':
      // mysql2 writes and reads DATETIME values as UTC instead of the process's local time.
      return { timezone: 'Z' };
    default:
      return {};
  }
}

/**
 * PostgreSQL: every date column is `timestamp with time zone`, so an instant means the same to every client. TypeORM
 * maps `Date` and its create/update columns to `timestamp without time zone` for every PostgreSQL DataSource; ours alone
 * is told otherwise, before it builds its metadata (the migrations read the same driver, so the schema agrees).
 */
function storeInstantsWithTimeZone(driver: PostgresDriver): void {
  driver.mappedDataTypes.createDate = 'timestamptz';
  driver.mappedDataTypes.updateDate = 'timestamptz';
  driver.mappedDataTypes.deleteDate = 'timestamptz';
  const normalizeType = driver.normalizeType.bind(driver);
  driver.normalizeType = (column) => {
    const type = normalizeType(column);
    return type === 'timestamp without time zone' ? 'timestamp with time zone' : type;
  };
}

/**
 * MySQL/MariaDB: `CURRENT_TIMESTAMP` defaults follow the session's `time_zone`, which is the server's unless set. Every
 * pooled connection sets it to UTC: new ones as the pool opens them, and the one TypeORM opened while initialising.
 */
async function useUtcSessions(dataSource: DataSource): Promise<void> {
  const pool = (dataSource.driver as MysqlDriver).pool as
    | { on(event: 'connection', listener: (connection: { query(sql: string, done: (error: unknown) => void): void }) => void): void }
    | undefined;
  // A failed SET means a broken connection, which fails its next query anyway; nothing to add here.
  pool?.on('connection', (connection) => connection.query("SET time_zone = '+00:00'", () => undefined));
  await dataSource.query("SET time_zone = '+00:00'");
}
