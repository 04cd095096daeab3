import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { assertUnreachable, LlmManagerError } from '../common/llm-manager.error';
import { UsageLogEntryEntity } from '../database/usage-log-entry.entity';

/** Width of a timeline bucket. */
export type UsageGranularity = 'hour' | 'day';

type Engine = 'sqlite' | 'postgres' | 'mysql';

/**
 * Everything about usage SQL that differs between engines, in one place.
 *
 * `created_at` is an instant in UTC on every engine: llm-mgr's sessions speak UTC (data-source.factory.ts), and
 * PostgreSQL's column is `timestamptz`. The writer and the range bounds bind UTC strings in one text format, which is
 * also how SQLite stores and compares them, so bucketing by text (`YYYY-MM-DD HH`) means the same on all three.
 */
export class UsageSqlDialect {
  private constructor(
    private readonly engine: Engine,
    /** Most bound parameters one statement may carry. */
    readonly maxParameters: number,
  ) {}

  /** The dialect of `dataSource`; only SQLite, PostgreSQL and MySQL/MariaDB are supported. */
  static of(dataSource: DataSource): UsageSqlDialect {
    const type = dataSource.options.type;
    switch (type) {
      // better-sqlite3 bundles SQLite built with SQLITE_MAX_VARIABLE_NUMBER = 32766.
      case 'better-sqlite3':
        return new UsageSqlDialect('sqlite', 32_766);
      // Other SQLite drivers may link an older system library whose limit is 999.
      case 'sqlite':
        return new UsageSqlDialect('sqlite', 999);
      case 'postgres':
        return new UsageSqlDialect('postgres', 65_535);
      case 'mysql':
      case 'mariadb':
        return new UsageSqlDialect('mysql', 65_535);
      default:
        throw new LlmManagerError(
          'CONFIG_INVALID',
          `Usage tracking runs on SQLite, PostgreSQL, MySQL or MariaDB; database type "${type}" is not supported.`,
        );
    }
  }

  /** `insert` (a multi-row INSERT) made to skip rows whose unique `column` is already taken, and nothing else. */
  insertOnce(insert: string, column: string): string {
    // MySQL's INSERT IGNORE would also swallow truncations and bad values; a no-op update skips duplicates only.
    if (this.engine === 'mysql') return `${insert} ON DUPLICATE KEY UPDATE ${column} = ${column}`;
    return `${insert} ON CONFLICT (${column}) DO NOTHING`;
  }

  /** The `n`-th (1-based) positional parameter. */
  placeholder(n: number): string {
    return this.engine === 'postgres' ? `$${n}` : '?';
  }

  /**
   * How an instant is bound against `created_at`: `YYYY-MM-DD HH:MM:SS.mmm` in UTC, the format TypeORM itself
   * writes on SQLite (so text comparison orders correctly). MySQL/MariaDB get whole seconds because the column
   * has no fractional part and MySQL would round `23:59:59.6` up into the next day, where MariaDB truncates.
   */
  dateTime(date: Date): string {
    const iso = date.toISOString();
    const wall = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    return this.engine === 'mysql' ? wall : `${wall}.${iso.slice(20, 23)}`;
  }

  /**
   * How the exclusive upper bound of a range is bound. MySQL/MariaDB keep whole seconds, so a row written at
   * 12:00:00.300 is stored as 12:00:00: an `until` of 12:00:00.400 must be bound as 12:00:01, or the row written just
   * before it would fall outside.
   */
  upperBound(date: Date): string {
    return this.dateTime(this.engine === 'mysql' ? new Date(Math.ceil(date.getTime() / 1000) * 1000) : date);
  }

  /**
   * SQL naming the UTC bucket of `column`: `YYYY-MM-DD HH` per hour, `YYYY-MM-DD` per day. No `:` in the labels,
   * which TypeORM would read as a named parameter.
   */
  bucket(granularity: UsageGranularity, column: string): string {
    const hourly = granularity === 'hour';
    switch (this.engine) {
      case 'sqlite':
        return `strftime('${hourly ? '%Y-%m-%d %H' : '%Y-%m-%d'}', ${column})`;
      case 'postgres':
        return `to_char(date_trunc('${granularity}', ${column}), '${hourly ? 'YYYY-MM-DD HH24' : 'YYYY-MM-DD'}')`;
      case 'mysql':
        return `DATE_FORMAT(${column}, '${hourly ? '%Y-%m-%d %H' : '%Y-%m-%d'}')`;
      default:
        return assertUnreachable(this.engine);
    }
  }

  /** The escaped, schema-qualified name of `usage_log_entries`, for statements built by hand. */
  static usageTable(dataSource: DataSource): string {
    return UsageSqlDialect.tableOf(dataSource, UsageLogEntryEntity);
  }

  /** The escaped, schema-qualified table name of an entity, for statements built by hand. */
  static tableOf(dataSource: DataSource, entity: EntityTarget<ObjectLiteral>): string {
    return dataSource
      .getMetadata(entity)
      .tablePath.split('.')
      .map((part) => dataSource.driver.escape(part))
      .join('.');
  }
}
