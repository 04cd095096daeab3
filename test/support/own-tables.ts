import type { DataSource } from 'typeorm';

/**
 * The tables of the one schema/database `dataSource` points at, sorted. TypeORM's `getTables()` without names lists
 * every schema (PostgreSQL) or database (MariaDB) on the server, so a count would see other runs' test places.
 */
export async function ownTableNames(dataSource: DataSource): Promise<string[]> {
  const options = dataSource.options as { type: string; schema?: string };
  let rows: Array<{ name: string }>;
  if (options.type === 'postgres') {
    rows = await dataSource.query(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = \'BASE TABLE\'',
      [options.schema ?? 'public'],
    );
  } else if (options.type === 'mysql' || options.type === 'mariadb') {
    rows = await dataSource.query(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = \'BASE TABLE\'',
    );
  } else {
    rows = await dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  }
  return rows.map((row) => row.name).sort();
}
