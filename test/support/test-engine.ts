import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { appendFileSync, readFileSync } from 'fs';
import type { LlmManagerDatabaseOptions } from '../../src/llm-manager/llm-manager.options';
import { ledgerPath, RUN_ENV } from './test-run';

const ENGINE_NAMES = ['sqlite', 'sqlite3', 'postgres', 'mariadb'] as const;

/**
 * The database engine the medium and e2e suites run on. Jest's projects (jest.config.js) run those suites once per
 * engine and name it in the global `LLM_MGR_TEST_DB`; a run started by hand can set the environment variable of the
 * same name. Default: SQLite on better-sqlite3 (`sqlite3` is SQLite on the sqlite3 package, TypeORM's `type: 'sqlite'`).
 */
export type TestEngineName = (typeof ENGINE_NAMES)[number];

const isEngineName = (name: string): name is TestEngineName => (ENGINE_NAMES as readonly string[]).includes(name);

export function testEngineName(): TestEngineName {
  const configured = (globalThis as { LLM_MGR_TEST_DB?: string }).LLM_MGR_TEST_DB ?? process.env.LLM_MGR_TEST_DB ?? 'sqlite';
  if (isEngineName(configured)) return configured;
  throw new Error(`LLM_MGR_TEST_DB="${configured}" must be sqlite, sqlite3, postgres or mariadb.`);
}

/**
 * A place of its own for one test store: a SQLite file (better-sqlite3 for `sqlite`, the sqlite3 package for
 * `sqlite3`), a PostgreSQL schema, or a MariaDB database.
 */
export interface TestDatabase {
  readonly engine: TestEngineName;
  /** TypeORM options for `LlmManagerModule.forRoot({ database })`. */
  readonly options: LlmManagerDatabaseOptions;
  /** The same place as `LLM_MGR_DATABASE_URL`, for the standalone server and the CLI. */
  readonly url: string;
  /** Everything stored, as bytes: the SQLite file, or a full dump of the schema/database. */
  snapshot(): Buffer;
  /** Drops the schema/database (the SQLite file goes with its temp folder). */
  drop(): void;
}

const PG = { host: '127.0.0.1', port: 5432, username: 'postgres', database: 'test' } as const;
const MARIADB = { host: '127.0.0.1', port: 3306, username: 'root', password: '' } as const;

/**
 * Creates the place synchronously (a psql/mariadb client call), so `TempStore` stays a plain constructor. A server
 * that is down fails the test with the command that starts it: a missing engine is never a skipped test.
 */
export function createTestDatabase(engine: TestEngineName, sqlitePath: string): TestDatabase {
  const runId = process.env[RUN_ENV];
  const name = `llm_t_${runId ? `${runId}_` : ''}${randomBytes(5).toString('hex')}`;
  if (engine === 'sqlite') {
    return {
      engine,
      options: { type: 'better-sqlite3', database: sqlitePath },
      url: sqlitePath,
      snapshot: () => readFileSync(sqlitePath),
      drop: () => undefined,
    };
  }
  if (engine === 'sqlite3') {
    return {
      engine,
      options: { type: 'sqlite', database: sqlitePath },
      url: `sqlite3:${sqlitePath}`,
      snapshot: () => readFileSync(sqlitePath),
      drop: () => undefined,
    };
  }
  // Noted before it exists: the run's global teardown drops it even if this spec never gets to.
  if (runId) appendFileSync(ledgerPath(runId), `${engine} ${name}\n`);
  if (engine === 'postgres') {
    psql(`CREATE SCHEMA "${name}"`);
    return {
      engine,
      options: { type: 'postgres', ...PG, schema: name, connectTimeoutMS: 5000 },
      url: `postgres://${PG.username}@${PG.host}:${PG.port}/${PG.database}?schema=${name}`,
      snapshot: () =>
        run('pg_dump', ['-h', PG.host, '-p', String(PG.port), '-U', PG.username, '-n', name, '--no-owner', '--restrict-key=llmmgrtest', PG.database]),
      drop: () => psql(`DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  mariadb(`CREATE DATABASE \`${name}\``);
  return {
    engine,
    options: { type: 'mariadb', ...MARIADB, database: name, connectTimeout: 5000 },
    url: `mariadb://${MARIADB.username}@${MARIADB.host}:${MARIADB.port}/${name}`,
    snapshot: () =>
      run('mariadb-dump', ['-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.username, '--skip-dump-date', name]),
    drop: () => mariadb(`DROP DATABASE IF EXISTS \`${name}\``),
  };
}

function psql(sql: string): void {
  run('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.username, '-d', PG.database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
}

function mariadb(sql: string): void {
  run('mariadb', ['-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.username, '-e', sql]);
}

const START_COMMANDS: Record<string, string> = {
  psql: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  pg_dump: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  mariadb: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  'mariadb-dump': 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
};

function run(command: string, args: string[]): Buffer {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000, maxBuffer: 64 << 20 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(
      `${command} failed (${stderr || (error as Error).message}). Is the server up? Start it with: ${START_COMMANDS[command]}`,
    );
  }
}
