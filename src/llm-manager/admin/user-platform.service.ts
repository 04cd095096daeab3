import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ConfigChanges } from '../common/config-changes';
import { requireBaseUrl } from '../common/input-rules';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS, SYSTEM_USER_ID, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { SysPlatformKeyEntity } from '../database/sys-platform-key.entity';
import { SecurityService } from '../security/security.service';
import { UrlGuard } from '../security/url-guard';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { KeyCooldowns } from '../cooldowns/key-cooldowns';
import { PlatformAdminService } from './platform-admin.service';
import { PlatformViewMapper } from './platform-view.mapper';
import type { ModelInput, ModelPatch, ModelView, PlatformInput, PlatformPatch, PlatformView } from './platform.types';

/** A user's own key for a system platform, as reads show it. */
export interface UserPlatformKeyView {
  platformId: number;
  platformName: string;
  maskedKey: string | null;
  updatedAt: Date;
}

/**
 * A user's side of the catalogue (M1.2, M1.3): the system platforms everyone sees, the user's private platforms
 * (custom mode only), and the user's own keys for system platforms (both modes). No user can see or touch another
 * user's rows: every query is scoped to the caller's id.
 */
@Injectable()
export class UserPlatformService {
  constructor(
    @InjectRepository(SysPlatformKeyEntity, LLM_MGR_DATA_SOURCE) private readonly userKeys: Repository<SysPlatformKeyEntity>,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly platforms: PlatformAdminService,
    private readonly catalogue: CatalogueReader,
    private readonly views: PlatformViewMapper,
    private readonly security: SecurityService,
    private readonly changes: ConfigChanges,
    private readonly urlGuard: UrlGuard,
    private readonly cooldowns: KeyCooldowns,
  ) {}

  /** System platforms first, then the user's own (custom mode), each group in its order, usable as this user. */
  async listVisible(userId: string): Promise<PlatformView[]> {
    await this.cooldowns.fresh();
    const views = this.views.toViews(await this.catalogue.visiblePlatforms(userId));
    if (userId === SYSTEM_USER_ID) return views;
    const ownKeys = await this.userKeys.find({ where: { userId }, select: { platformId: true, apiKeyEnc: true } });
    const ownKey = new Map(ownKeys.map((row) => [row.platformId, row.apiKeyEnc]));
    return views.map((view) => {
      const stored = ownKey.get(view.id);
      if (stored === undefined) return this.views.asSeenBy(view, userId, null);
      // The key is decrypted only to look up its cooldown, when the platform has one at all.
      const cooling = this.cooldowns.platformCooling(view.id);
      const coolingUntil = cooling ? this.views.coolingUntil(view.id, this.security.decrypt(stored, `your key for platform '${view.name}'`)) : null;
      return this.views.asSeenBy(view, userId, { coolingUntil });
    });
  }

  async addPlatform(userId: string, input: PlatformInput, models: ModelInput[] = []): Promise<PlatformView> {
    this.assertMayCustomize(userId);
    await this.assertReachable(input.baseUrl);
    // Environment variables belong to the server's operator, not to users.
    const platform = await this.platforms.createPlatform(userId, { ...input, apiKeyEnv: null }, models);
    return this.views.toView(platform, false);
  }

  async updatePlatform(userId: string, platformId: number, patch: PlatformPatch): Promise<PlatformView> {
    this.assertMayCustomize(userId);
    const { apiKeyEnv: _ignored, ...allowed } = patch;
    if (allowed.baseUrl !== undefined) await this.assertReachable(allowed.baseUrl);
    return this.views.toView(await this.platforms.updatePlatform(userId, platformId, allowed), false);
  }

  async deletePlatform(userId: string, platformId: number): Promise<void> {
    this.assertMayCustomize(userId);
    await this.platforms.deletePlatform(userId, platformId);
  }

  async addModel(userId: string, platformId: number, input: ModelInput): Promise<ModelView> {
    this.assertMayCustomize(userId);
    return this.views.toModelView(await this.platforms.addModel(userId, platformId, input));
  }

  async updateModel(userId: string, modelId: number, patch: ModelPatch): Promise<ModelView> {
    this.assertMayCustomize(userId);
    return this.views.toModelView(await this.platforms.updateModel(userId, modelId, patch));
  }

  async deleteModel(userId: string, modelId: number): Promise<void> {
    this.assertMayCustomize(userId);
    await this.platforms.deleteModel(userId, modelId);
  }

  /** Stores (or replaces) the user's own key for a system platform, encrypted. Allowed in both modes. */
  async setUserPlatformKey(userId: string, platformId: number, apiKey: string): Promise<UserPlatformKeyView> {
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw new LlmManagerError('VALIDATION_FAILED', 'apiKey: must be a non-empty string.', { details: { field: 'apiKey' } });
    }
    const platform = await this.platforms.findOwned(SYSTEM_USER_ID, platformId);
    const saved = await this.saveUserKey(userId, platformId, this.security.encrypt(apiKey.trim()));
    this.changes.publish({ kind: 'user-key', userId, platformId });
    return { platformId, platformName: platform.name, maskedKey: this.security.mask(apiKey.trim()), updatedAt: saved.updatedAt };
  }

  /**
   * Insert or replace in one statement (`ON CONFLICT` / `ON DUPLICATE KEY`): two first saves at once (two tabs, two
   * instances) must not both find no row and then collide on the unique key; the later one wins, as any later save.
   */
  private async saveUserKey(userId: string, platformId: number, apiKeyEnc: string): Promise<SysPlatformKeyEntity> {
    // Not `repository.upsert`: on SQLite it reads the inserted id back, and an upsert that updated inserted none.
    await this.userKeys
      .createQueryBuilder()
      .insert()
      .values({ userId, platformId, apiKeyEnc, updatedAt: new Date() })
      .orUpdate(['api_key_enc', 'updated_at'], ['user_id', 'platform_id'])
      .updateEntity(false)
      .execute();
    return this.userKeys.findOneByOrFail({ userId, platformId });
  }

  /** Removes the user's own key; returns false when there was none. */
  async deleteUserPlatformKey(userId: string, platformId: number): Promise<boolean> {
    const result = await this.userKeys.delete({ userId, platformId });
    const deleted = (result.affected ?? 0) > 0;
    // Nothing deleted, nothing to tell: a 404 must not bump the shared config version (every instance drops caches).
    if (deleted) this.changes.publish({ kind: 'user-key', userId, platformId });
    return deleted;
  }

  async listUserPlatformKeys(userId: string): Promise<UserPlatformKeyView[]> {
    const rows = await this.userKeys.find({
      where: { userId },
      relations: { platform: true },
      order: { platformId: 'ASC' },
    });
    return rows.map((row) => ({
      platformId: row.platformId,
      platformName: row.platform?.name ?? '',
      maskedKey: this.security.mask(this.security.decrypt(row.apiKeyEnc, `your key for platform '${row.platform?.name}'`)),
      updatedAt: row.updatedAt,
    }));
  }

  /**
   * B8 at write time, so a user learns at once that a loopback or private URL will not be called. The calls
   * themselves are guarded again at connect time (DNS may answer differently by then).
   */
  private async assertReachable(baseUrl: unknown): Promise<void> {
    await this.urlGuard.assertAllowed(requireBaseUrl(baseUrl));
  }

  private assertMayCustomize(userId: string): void {
    if (userId === SYSTEM_USER_ID) {
      throw new LlmManagerError(
        'FORBIDDEN',
        'The system user has no private platforms. Manage system platforms through SystemPlatformService ' +
          '(POST /api/ai/admin/sys-platform) or llm_mgr_cfg.yaml.',
      );
    }
    if (this.options.useSysLlmConfig) {
      throw new LlmManagerError(
        'FORBIDDEN_IN_FIXED_MODE',
        'This server runs in fixed-platform mode (USE_SYS_LLM_CONFIG=true): users cannot create, change or delete ' +
          'platforms or models. You can still save your own API key for a system platform (setUserPlatformKey).',
      );
    }
  }
}
