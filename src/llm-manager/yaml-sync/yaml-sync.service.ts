import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ConfigChanges } from '../common/config-changes';
import { keyEnvRefusal } from '../common/key-env-policy';
import { LLM_MANAGER_RESOLVED_OPTIONS, SYSTEM_USER_ID, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { withDatabaseLock } from '../database/database-lock';
import { MetaEntity } from '../database/meta.entity';
import { PlatformEntity } from '../database/platform.entity';
import { SecurityService } from '../security/security.service';
import { emptyReport, summarizeReport, type SyncMode, type SyncReport } from './sync-report';
import { SyncStrategy, type ImportedNames, type StoredKey, type SyncInput } from './sync-strategies';
import { applyPendingRenames, PENDING_RENAMES, withRename, type PendingRenames } from './yaml-renames';
import type { YamlConfig } from './yaml-config';
import { assertYamlKeyEnvsAllowed } from './yaml-config.key-env';
import { loadYamlConfig } from './yaml-config.loader';
import { recordPriceVersions } from '../database/price-versions';
import { readUserRows, resetImpact } from './reset-impact';

const IMPORTED_NAMES = 'yaml_imported_names';
const SYNC_LOCK = 'llm_mgr_yaml_sync';

/** Thrown inside the transaction of a preview so that nothing it wrote is kept. */
class PreviewRollback extends Error {}

/**
 * Brings `llm_mgr_cfg.yaml` into the database (M11): a full import on an empty database, an incremental one on
 * every later start, and a force reset on demand. The file is read, validated and its encrypted keys opened before
 * anything is written; the writes of one sync are one transaction.
 */
@Injectable()
export class YamlSyncService implements OnModuleInit {
  private readonly logger = new Logger('LlmManager');

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly security: SecurityService,
    private readonly changes: ConfigChanges,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      if (this.options.syncOnStart) {
        const report = await this.syncIncremental();
        this.logger.log(summarizeReport(report));
        for (const warning of report.warnings) this.logger.warn(warning);
      }
      await this.warnAboutKeyVariables();
    } catch (error) {
      // Start-up stops here; close the store so no handle stays open behind a failed start.
      await this.dataSource.destroy();
      throw error;
    }
  }

  /**
   * Names the platforms whose `{ENV_VAR}` key is not set, and those stored with a variable the allow rule refuses
   * (saved before the rule existed). The latter are never resolved, so a start-up need not fail over them: the admin
   * API that repairs them stays reachable.
   */
  private async warnAboutKeyVariables(): Promise<void> {
    const platforms = await this.dataSource.getRepository(PlatformEntity).findBy({ ownerId: SYSTEM_USER_ID });
    const withVariable = platforms.filter((p): p is PlatformEntity & { apiKeyEnv: string } => !p.apiKeyEnc && !!p.apiKeyEnv);
    const missing: string[] = [];
    for (const platform of withVariable) {
      const refusal = keyEnvRefusal(platform.apiKeyEnv, this.options.keyEnvAllow);
      if (refusal === null) {
        if (!this.options.env[platform.apiKeyEnv]) missing.push(platform.apiKeyEnv);
        continue;
      }
      this.logger.warn(
        `Platform '${platform.name}' (id ${platform.id}) reads its API key from ${refusal} It is not used: calls fail ` +
          'with CONFIG_INVALID until you save its key or name an allowed variable (PUT /api/ai/admin/sys-platform, ' +
          `or the YAML and a reset). If that variable was ever sent to ${platform.baseUrl}, rotate it.`,
      );
    }
    if (missing.length === 0) return;
    this.logger.warn(
      `${missing.length} of ${platforms.length} system platforms have no key yet and cannot be used until you set ` +
        `${missing.join(', ')} (environment or .env) or save a key for them.`,
    );
  }

  /** First import on an empty database, otherwise add only what is new in the YAML. */
  async syncIncremental(): Promise<SyncReport> {
    // Under a database lock: instances starting together must not both decide "new" and import it twice.
    return withDatabaseLock(this.dataSource, SYNC_LOCK, async () => {
      const input = await this.prepare();
      const hasSystemPlatforms = (await this.dataSource.getRepository(PlatformEntity).countBy({ ownerId: SYSTEM_USER_ID })) > 0;
      const mode: SyncMode = hasSystemPlatforms || Object.keys(input.imported).length > 0 ? 'incremental' : 'initial';
      return this.run(mode, input, SyncStrategy.incremental);
    });
  }

  /**
   * YAML overwrites the system platforms; users' own platforms are kept, but their keys for a system platform the YAML
   * no longer has go with it and their slots on it are unbound (`report.impact` names them). `dryRun` runs the same
   * writes in a transaction that is rolled back: the answer is what a reset would do now.
   */
  async forceReset(options: { dryRun?: boolean } = {}): Promise<SyncReport> {
    const report = await withDatabaseLock(this.dataSource, SYNC_LOCK, async () =>
      this.run('reset', await this.prepare(), SyncStrategy.forceReset, options.dryRun === true),
    );
    if (!report.dryRun) this.logger.log(summarizeReport(report));
    return report;
  }

  private async run(
    mode: SyncMode,
    input: SyncInput,
    strategy: (manager: EntityManager, input: SyncInput, report: SyncReport) => Promise<ImportedNames>,
    dryRun = false,
  ): Promise<SyncReport> {
    const report = emptyReport(mode, input.config.warnings);
    try {
      await this.write(mode, input, strategy, report, dryRun);
    } catch (error) {
      if (!(error instanceof PreviewRollback)) throw error;
      return { ...report, dryRun: true };
    }
    const changed = report.added.length + report.renamed.length + report.replaced.length + report.removed.length;
    if (changed > 0) this.changes.publish({ kind: 'all' });
    return report;
  }

  private async write(
    mode: SyncMode,
    input: SyncInput,
    strategy: (manager: EntityManager, input: SyncInput, report: SyncReport) => Promise<ImportedNames>,
    report: SyncReport,
    dryRun: boolean,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const before = mode === 'reset' ? await readUserRows(manager) : null;
      const renamed = await applyPendingRenames(manager, input, report);
      const imported = await strategy(manager, { ...input, imported: renamed }, report);
      if (before) report.impact = await resetImpact(manager, before);
      if (dryRun) throw new PreviewRollback();
      await recordPriceVersions(manager);
      if (JSON.stringify(imported) !== JSON.stringify(input.imported)) {
        await manager.save(MetaEntity, { key: IMPORTED_NAMES, value: JSON.stringify(imported) });
      }
      // Applied or no longer true: either way a rename is only ever considered by the next sync.
      if (Object.keys(input.renames).length > 0) await manager.delete(MetaEntity, { key: PENDING_RENAMES });
    });
  }

  /**
   * Remembers that the YAML's platform `from` is now called `to` (a rename in the console's YAML mode), so the next
   * sync renames the database row instead of adding a second platform. Under the sync lock, like a sync.
   */
  async recordRename(from: string, to: string): Promise<void> {
    await withDatabaseLock(this.dataSource, SYNC_LOCK, async () => {
      const pending = withRename(await this.readJson<PendingRenames>(PENDING_RENAMES), from, to);
      const meta = this.dataSource.getRepository(MetaEntity);
      if (Object.keys(pending).length === 0) await meta.delete({ key: PENDING_RENAMES });
      else await meta.save({ key: PENDING_RENAMES, value: JSON.stringify(pending) });
    });
  }

  private async readJson<T extends object>(key: string): Promise<T> {
    const stored = await this.dataSource.getRepository(MetaEntity).findOneBy({ key });
    return stored ? (JSON.parse(stored.value) as T) : ({} as T);
  }

  /** Everything that can fail before a write: read and validate the file, open its encrypted keys. */
  private async prepare(): Promise<SyncInput> {
    const config = loadYamlConfig(this.options.configPath);
    assertYamlKeyEnvsAllowed(config, this.options.keyEnvAllow, this.options.configPath);
    return {
      config,
      keys: this.storedKeys(config),
      imported: await this.readJson<ImportedNames>(IMPORTED_NAMES),
      renames: await this.readJson<PendingRenames>(PENDING_RENAMES),
    };
  }

  private storedKeys(config: YamlConfig): Map<string, StoredKey> {
    const keys = new Map<string, StoredKey>();
    for (const platform of config.platforms) {
      const key = platform.apiKey;
      switch (key.kind) {
        case 'none':
          keys.set(platform.name, { apiKeyEnc: null, apiKeyEnv: null });
          break;
        case 'env':
          keys.set(platform.name, { apiKeyEnc: null, apiKeyEnv: key.variable });
          break;
        case 'encrypted':
          // Proves LLM_KEY opens it now, rather than failing on the first LLM call.
          this.security.decrypt(key.envelope, `platform '${platform.name}' in ${this.options.configPath}`);
          keys.set(platform.name, { apiKeyEnc: key.envelope, apiKeyEnv: null });
          break;
        case 'plain':
          keys.set(platform.name, { apiKeyEnc: this.security.encrypt(key.value), apiKeyEnv: null });
          break;
      }
    }
    return keys;
  }
}
