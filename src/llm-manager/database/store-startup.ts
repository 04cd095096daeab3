import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { resolveMasterKey } from '../security/master-key';
import type { SecurityService } from '../security/security.service';
import { withDatabaseLock } from './database-lock';
import { MetaEntity } from './meta.entity';
import { openDataSource } from './data-source.factory';
import { withDriverTimeouts } from './driver-timeouts';
import { PlatformEntity } from './platform.entity';
import { SysPlatformKeyEntity } from './sys-platform-key.entity';

export const MASTER_KEY_CHECK = 'master_key_check';
/** Meta key of this database's random id: the usage journal replays only into the database it was written for. */
export const STORE_ID = 'store_id';

/**
 * Opens llm-mgr's store: connect, migrate, then make sure the master key opens what is already encrypted.
 * Nothing is written before the key is proven right, so a wrong `LLM_KEY` leaves the database byte-identical.
 *
 * On a database server the start-up work runs on a connection of its own without the query timeout (a migration of
 * a big usage table may take minutes); the store the library then uses fails any statement past the timeout.
 */
export async function openStore(
  options: ResolvedLlmManagerOptions,
  security: SecurityService,
  logger = new Logger('LlmManager'),
): Promise<DataSource> {
  const served = withDriverTimeouts(options.database, options.databaseTimeouts);
  const startup = withDriverTimeouts(options.database, { ...options.databaseTimeouts, queryMs: 0 });
  // SQLite has no query timeout, and a second connection to `:memory:` would be another database.
  if (served === options.database) return prepare(await openDataSource(served), options, security, logger);
  await (await prepare(await openDataSource(startup), options, security, logger)).destroy();
  return openDataSource(served);
}

async function prepare(
  dataSource: DataSource,
  options: ResolvedLlmManagerOptions,
  security: SecurityService,
  logger: Logger,
): Promise<DataSource> {
  try {
    await createSchemaIfNamed(dataSource);
    // Instances starting together take turns: the first migrates and writes the key check, the others find both done.
    await withDatabaseLock(dataSource, 'llm_mgr_startup', async () => {
      await dataSource.runMigrations({ transaction: 'all' });
      await unlockSecrets(dataSource, options, security, logger);
      await ensureStoreId(dataSource);
    });
    return dataSource;
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

/** A PostgreSQL schema named in the options (or `?schema=` of the URL) is llm-mgr's to create, like its tables. */
async function createSchemaIfNamed(dataSource: DataSource): Promise<void> {
  const options = dataSource.options;
  if (options.type !== 'postgres' || options.schema === undefined) return;
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema.replace(/"/g, '""')}"`);
}

async function unlockSecrets(
  dataSource: DataSource,
  options: ResolvedLlmManagerOptions,
  security: SecurityService,
  logger: Logger,
): Promise<void> {
  const meta = dataSource.getRepository(MetaEntity);
  const check = await meta.findOneBy({ key: MASTER_KEY_CHECK });
  const { key } = resolveMasterKey({
    configured: options.masterKey,
    envFilePath: options.envFilePath,
    generate: options.generateMasterKey,
    hasEncryptedData: check !== null || (await hasStoredSecrets(dataSource)),
    log: (line) => logger.log(line),
  });
  security.init(key);
  if (check) {
    security.verifyKeyCheck(check.value);
  } else {
    await meta.insert({ key: MASTER_KEY_CHECK, value: security.createKeyCheck() });
  }
}

async function ensureStoreId(dataSource: DataSource): Promise<void> {
  const meta = dataSource.getRepository(MetaEntity);
  if ((await meta.findOneBy({ key: STORE_ID })) === null) await meta.insert({ key: STORE_ID, value: randomUUID() });
}

async function hasStoredSecrets(dataSource: DataSource): Promise<boolean> {
  const platformKeys = await dataSource
    .getRepository(PlatformEntity)
    .createQueryBuilder('p')
    .where('p.api_key_enc IS NOT NULL')
    .getCount();
  return platformKeys > 0 || (await dataSource.getRepository(SysPlatformKeyEntity).count()) > 0;
}
