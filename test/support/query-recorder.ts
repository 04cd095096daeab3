import type { Logger as TypeOrmLogger } from 'typeorm';

/** A TypeORM logger that keeps every statement run, to explain the ones a service sent. */
export class QueryRecorder implements TypeOrmLogger {
  readonly queries: Array<{ sql: string; parameters: unknown[] }> = [];
  logQuery(sql: string, parameters?: unknown[]): void {
    this.queries.push({ sql, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
