import type { LlmManagerDatabaseOptions } from '../llm-manager.options';

/** How long llm-mgr waits on its database server before a call fails with `DATABASE_UNAVAILABLE`. */
export interface DatabaseTimeouts {
  /** Opening one connection, handshake included. */
  connectMs: number;
  /** One statement, measured by the client: a frozen server fails the call instead of hanging it. `0`: none. */
  queryMs: number;
}

/**
 * The timeouts in each driver's own words; a setting the operator wrote in `database` (or in its `extra`) wins.
 * PostgreSQL (pg): `connectTimeoutMS` and the client-side `query_timeout`. MySQL/MariaDB (mysql2): `connectTimeout` and
 * TypeORM's per-query timeout. SQLite has no server to wait for: its busy handling is sqlite-busy.ts's.
 */
export function withDriverTimeouts(database: LlmManagerDatabaseOptions, timeouts: DatabaseTimeouts): LlmManagerDatabaseOptions {
  switch (database.type) {
    case 'postgres': {
      const extra = (database.extra ?? {}) as Record<string, unknown>;
      return {
        ...database,
        connectTimeoutMS: database.connectTimeoutMS ?? timeouts.connectMs,
        extra: { ...(timeouts.queryMs > 0 ? { query_timeout: timeouts.queryMs } : {}), ...extra },
      };
    }
    case 'mysql':
    case 'mariadb':
      return {
        ...database,
        connectTimeout: database.connectTimeout ?? timeouts.connectMs,
        ...(database.maxQueryExecutionTime === undefined && timeouts.queryMs > 0
          ? { maxQueryExecutionTime: timeouts.queryMs, enableQueryTimeout: true }
          : {}),
      };
    default:
      return database;
  }
}
