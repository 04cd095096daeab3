import { existsSync } from 'node:fs';
import type { DataSource, EntityManager } from 'typeorm';
import { openDataSource } from '../../llm-manager/database/data-source.factory';
import { MetaEntity } from '../../llm-manager/database/meta.entity';
import { PlatformEntity } from '../../llm-manager/database/platform.entity';
import { MASTER_KEY_CHECK } from '../../llm-manager/database/store-startup';
import { SysPlatformKeyEntity } from '../../llm-manager/database/sys-platform-key.entity';
import type { LlmManagerDatabaseOptions } from '../../llm-manager/llm-manager.options';

/** One encrypted value stored in the database, and how to name it in a message. */
export interface StoredSecret {
  table: 'llm_platforms' | 'llm_sys_platform_keys';
  id: number;
  envelope: string;
  subject: string;
}

/** Opens the store and brings its schema up to date, as every start of the library does. */
export async function openMigratedStore(database: LlmManagerDatabaseOptions): Promise<DataSource> {
  const dataSource = await openDataSource(database);
  try {
    await dataSource.runMigrations({ transaction: 'all' });
    return dataSource;
  } catch (error: unknown) {
    await dataSource.destroy();
    throw error;
  }
}

/** The stored key check (see `createKeyCheck`), or null on a store that never had a key. */
export async function readKeyCheck(manager: EntityManager): Promise<string | null> {
  return (await manager.findOneBy(MetaEntity, { key: MASTER_KEY_CHECK }))?.value ?? null;
}

/**
 * Every API key stored in the database: platforms' keys (system and users' own platforms) and users' keys for
 * system platforms. With `lock`, the rows are locked for the rest of the transaction where the engine can.
 */
export async function readStoredSecrets(manager: EntityManager, lock = false): Promise<StoredSecret[]> {
  const rowLock = lock && manager.connection.options.type !== 'better-sqlite3' && manager.connection.options.type !== 'sqlite';
  const platformQuery = manager
    .createQueryBuilder(PlatformEntity, 'p')
    .select(['p.id', 'p.name', 'p.ownerId', 'p.apiKeyEnc'])
    .where('p.apiKeyEnc IS NOT NULL')
    .orderBy('p.id', 'ASC');
  const userKeyQuery = manager
    .createQueryBuilder(SysPlatformKeyEntity, 'k')
    .select(['k.id', 'k.userId', 'k.platformId', 'k.apiKeyEnc'])
    .orderBy('k.id', 'ASC');
  if (rowLock) {
    platformQuery.setLock('pessimistic_write');
    userKeyQuery.setLock('pessimistic_write');
  }
  const platforms = await platformQuery.getMany();
  const userKeys = await userKeyQuery.getMany();
  return [
    ...platforms.map((p) => ({
      table: 'llm_platforms' as const,
      id: p.id,
      envelope: p.apiKeyEnc ?? '',
      subject: `platform '${p.name}' (owner ${p.ownerId})`,
    })),
    ...userKeys.map((k) => ({
      table: 'llm_sys_platform_keys' as const,
      id: k.id,
      envelope: k.apiKeyEnc,
      subject: `the key of user ${k.userId} for platform #${k.platformId}`,
    })),
  ];
}

/** Stores a new envelope for one secret. */
export async function writeStoredSecret(manager: EntityManager, secret: StoredSecret, envelope: string): Promise<void> {
  const entity = secret.table === 'llm_platforms' ? PlatformEntity : SysPlatformKeyEntity;
  await manager.update(entity, { id: secret.id }, { apiKeyEnc: envelope });
}

/** Writes the key check, inserting it on a store that had none. */
export async function writeKeyCheck(manager: EntityManager, value: string): Promise<void> {
  await manager.save(MetaEntity, { key: MASTER_KEY_CHECK, value });
}

/**
 * Counts what is encrypted in the store without creating or migrating anything: a SQLite file that does not exist
 * yet, or a database without llm-mgr's tables, holds nothing.
 */
export async function countEncryptedInStore(database: LlmManagerDatabaseOptions): Promise<number> {
  if ((database.type === 'better-sqlite3' || database.type === 'sqlite') && !existsSync(String(database.database))) return 0;
  const dataSource = await openDataSource(database);
  try {
    const runner = dataSource.createQueryRunner();
    try {
      const hasMeta = await runner.hasTable('llm_mgr_meta');
      const hasPlatforms = await runner.hasTable('llm_platforms');
      const hasUserKeys = await runner.hasTable('llm_sys_platform_keys');
      const check = hasMeta && (await readKeyCheck(dataSource.manager)) !== null ? 1 : 0;
      const platformKeys = hasPlatforms
        ? await dataSource.getRepository(PlatformEntity).createQueryBuilder('p').where('p.apiKeyEnc IS NOT NULL').getCount()
        : 0;
      const userKeys = hasUserKeys ? await dataSource.getRepository(SysPlatformKeyEntity).count() : 0;
      return check + platformKeys + userKeys;
    } finally {
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}
