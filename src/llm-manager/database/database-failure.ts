import { LlmManagerError } from '../common/llm-manager.error';

/** Seconds a client is asked to wait before trying again after the database could not answer. */
const UNAVAILABLE_RETRY_SECONDS = 5;

/** Socket errors of a server that is down, unreachable or went away (Node, pg, mysql2). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  // PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** pg reports its own timeouts and a dropped connection in words only. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /^Client has encountered a connection error/,
];

/**
 * The coded error for a driver error that means "the database did not answer" (`DATABASE_UNAVAILABLE`), or
 * "another process holds the SQLite file" (`DATABASE_BUSY`); undefined for anything else (a constraint, a bug), which
 * stays as it was. The message names the driver's code only: never a host, a user, a password or a URL.
 */
export function databaseFailure(error: unknown): LlmManagerError | undefined {
  if (error instanceof LlmManagerError) return undefined;
  const { code, message } = driverFacts(error);
  if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new LlmManagerError(
      'DATABASE_BUSY',
      'Another process is writing to the SQLite database and kept it locked; nothing was changed. Try again in a moment.',
      { cause: error, details: { retryAfterSeconds: 1 } },
    );
  }
  const timedOut = message !== undefined && /timeout/i.test(message);
  if ((code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'))) || CONNECTION_MESSAGES.some((m) => m.test(message ?? ''))) {
    return new LlmManagerError(
      'DATABASE_UNAVAILABLE',
      `The database did not answer (${code ?? (timedOut ? 'timeout' : 'connection lost')}). Try again shortly; if it lasts, ` +
        'check that the database server is up and reachable from this host.',
      { cause: error, details: { retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS } },
    );
  }
  return undefined;
}

/** Rethrows `error` as its coded form when it is a database failure: for `.catch()` on a path that reads the store. */
export function rethrowDatabaseFailure(error: unknown): never {
  throw databaseFailure(error) ?? error;
}

/** The driver's code and message, looking through TypeORM's QueryFailedError (`driverError`) and `cause`. */
function driverFacts(error: unknown): { code?: string; message?: string } {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : undefined;
    const message = typeof candidate.message === 'string' ? candidate.message : undefined;
    if ((code && (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('SQLITE_'))) || CONNECTION_MESSAGES.some((m) => m.test(message ?? ''))) {
      return { code, message };
    }
    current = candidate.driverError ?? candidate.cause;
  }
  return {};
}
