import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { databaseFromUrl } from '../../src/llm-manager/llm-manager.options';

/** A database server the CLI runs against, in a database of its own created for one spec and dropped after. */
export interface ServerDatabase {
  name: string;
  /** `LLM_MGR_DATABASE_URL` for the child. */
  url: string;
  /** Fails when the server is down: a missing engine is a failed test, never a skipped one. */
  create(): Promise<void>;
  drop(): Promise<void>;
}

export function postgresDatabase(): ServerDatabase {
  const database = `llm_cli_${randomBytes(4).toString('hex')}`;
  // CREATE/DROP DATABASE from the server's `test` database, outside any transaction.
  const admin = async (sql: string): Promise<void> => {
    const connection = await new DataSource({
      type: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      username: 'postgres',
      database: 'test',
      connectTimeoutMS: 5000,
    }).initialize();
    try {
      await connection.query(sql);
    } finally {
      await connection.destroy();
    }
  };
  return {
    name: 'PostgreSQL',
    url: `postgres://postgres@127.0.0.1:5432/${database}`,
    create: () => admin(`CREATE DATABASE "${database}"`),
    drop: () => admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

export function mariadbDatabase(): ServerDatabase {
  const database = `llm_cli_${randomBytes(4).toString('hex')}`;
  const server = { host: '127.0.0.1', port: 3306, user: 'root', password: '', connectTimeout: 5000 };
  const admin = async (sql: string): Promise<void> => {
    const connection = await createConnection(server);
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  return {
    name: 'MariaDB',
    url: `mariadb://root@127.0.0.1:3306/${database}`,
    create: () => admin(`CREATE DATABASE \`${database}\``),
    drop: () => admin(`DROP DATABASE IF EXISTS \`${database}\``),
  };
}

/** A connection of the test process itself to the database behind `LLM_MGR_DATABASE_URL`, to look at what the CLI did. */
export function openForInspection(url: string): Promise<DataSource> {
  return openDataSource(databaseFromUrl(url));
}
