import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * One counter row (`llm_mgr_config_version`) that every configuration write bumps, so instances sharing the database
 * see each other's changes (B7). Table API so it runs on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class ConfigVersion1767484800000 implements MigrationInterface {
  name = 'ConfigVersion1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'llm_mgr_config_version',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'version', type: 'integer', default: 0 },
        ],
      }),
    );
    await queryRunner.manager
      .createQueryBuilder()
      .insert()
      .into('llm_mgr_config_version', ['id', 'version'])
      .values({ id: 1, version: 0 })
      .execute();
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('llm_mgr_config_version');
  }
}
