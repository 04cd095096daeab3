import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ConfigChanges } from '../common/config-changes';
import {
  MODEL_NAME_MAX_LENGTH,
  requireBaseUrl,
  requireEnvVarName,
  requireExtraBody,
  requireName,
  requirePrice,
} from '../common/input-rules';
import { requireAllowedKeyEnv } from '../common/key-env-policy';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';
import { recordPriceVersions } from '../database/price-versions';
import { retireModels } from '../database/retire-models';
import { SecurityService } from '../security/security.service';
import { PlatformViewMapper } from './platform-view.mapper';
import type { ModelInput, ModelPatch, PlatformInput, PlatformPatch } from './platform.types';

/**
 * Platform and model writes for one owner (the system, or a user). Callers decide who may act; this service only
 * guarantees that an owner never reaches another owner's rows, that names stay unique per owner, and that keys are
 * stored encrypted.
 */
@Injectable()
export class PlatformAdminService {
  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly security: SecurityService,
    private readonly views: PlatformViewMapper,
    private readonly changes: ConfigChanges,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  /** @throws PLATFORM_NOT_FOUND when the platform does not exist or belongs to someone else. */
  async findOwned(ownerId: string, platformId: number, manager?: EntityManager): Promise<PlatformEntity> {
    const platform = await (manager ?? this.dataSource.manager).findOne(PlatformEntity, {
      where: { id: platformId, ownerId },
      relations: { models: true },
    });
    if (!platform) {
      throw new LlmManagerError('PLATFORM_NOT_FOUND', `Platform ${platformId} does not exist or is not yours.`, {
        details: { platformId },
      });
    }
    platform.models?.sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
    return platform;
  }

  async createPlatform(ownerId: string, input: PlatformInput, models: ModelInput[] = []): Promise<PlatformEntity> {
    const name = requireName(input.name, 'name');
    const baseUrl = requireBaseUrl(input.baseUrl);
    const apiKeyEnv = input.apiKeyEnv ? this.keyEnv(input.apiKeyEnv) : null;
    const apiKeyEnc = input.apiKey ? this.security.encrypt(input.apiKey) : null;
    const modelRows = models.map((model, index) => ({ ...this.checkModel(model), sortOrder: index }));
    const created = await this.dataSource.transaction(async (manager) => {
      await this.assertNameFree(manager, ownerId, name);
      const last = await manager
        .createQueryBuilder(PlatformEntity, 'p')
        .select('MAX(p.sort_order)', 'max')
        .where('p.owner_id = :ownerId', { ownerId })
        .getRawOne<{ max: number | string | null }>();
      const sortOrder = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1;
      const platform = await manager.save(
        manager.create(PlatformEntity, { ownerId, name, baseUrl, apiKeyEnc, apiKeyEnv, sortOrder }),
      );
      this.assertUniqueDisplayNames(modelRows.map((m) => m.displayName));
      const saved = await manager.save(modelRows.map((row) => manager.create(ModelEntity, { ...row, platformId: platform.id })));
      await recordPriceVersions(manager, saved.map((m) => m.id));
      return platform;
    });
    return this.findOwned(ownerId, created.id);
  }

  async updatePlatform(ownerId: string, platformId: number, patch: PlatformPatch): Promise<PlatformEntity> {
    await this.dataSource.transaction(async (manager) => {
      const platform = await this.findOwned(ownerId, platformId, manager);
      if (patch.name !== undefined) {
        const name = requireName(patch.name, 'name');
        if (name !== platform.name) await this.assertNameFree(manager, ownerId, name);
        platform.name = name;
      }
      const before = { baseUrl: platform.baseUrl, apiKeyEnc: platform.apiKeyEnc, apiKeyEnv: platform.apiKeyEnv };
      if (patch.baseUrl !== undefined) platform.baseUrl = requireBaseUrl(patch.baseUrl);
      if (patch.apiKeyEnv !== undefined) platform.apiKeyEnv = patch.apiKeyEnv ? this.keyEnv(patch.apiKeyEnv) : null;
      if (patch.apiKey !== undefined) this.applyKey(platform, patch.apiKey);
      this.assertKeyFollowsBaseUrl(platform, before, patch);
      // What answered was the old address.
      if (platform.baseUrl !== before.baseUrl) platform.answeredAt = null;
      await manager.save(PlatformEntity, this.withoutModels(platform));
    });
    this.changes.publish({ kind: 'platform', platformId });
    return this.findOwned(ownerId, platformId);
  }

  /** Sets, replaces (`apiKey`) or clears (`null`) the platform's own key. */
  async setPlatformKey(ownerId: string, platformId: number, apiKey: string | null): Promise<PlatformEntity> {
    return this.updatePlatform(ownerId, platformId, { apiKey });
  }

  async deletePlatform(ownerId: string, platformId: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.findOwned(ownerId, platformId, manager);
      // Models and users' keys for this platform go with it (ON DELETE CASCADE on every engine); usage keeps their names.
      await retireModels(manager, { platformId });
      await manager.delete(PlatformEntity, { id: platformId });
    });
    this.changes.publish({ kind: 'platform', platformId });
  }

  /** Makes the platform its owner's default by moving it to the top; the others keep their relative order. */
  async moveToTop(ownerId: string, platformId: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.findOwned(ownerId, platformId, manager);
      const all = await manager.find(PlatformEntity, { where: { ownerId }, order: { sortOrder: 'ASC', id: 'ASC' } });
      const ordered = [...all.filter((p) => p.id === platformId), ...all.filter((p) => p.id !== platformId)];
      for (const [index, platform] of ordered.entries()) {
        if (platform.sortOrder !== index) await manager.update(PlatformEntity, { id: platform.id }, { sortOrder: index });
      }
    });
    this.changes.publish({ kind: 'platform', platformId });
  }

  async addModel(ownerId: string, platformId: number, input: ModelInput): Promise<ModelEntity> {
    const row = this.checkModel(input);
    const saved = await this.dataSource.transaction(async (manager) => {
      const platform = await this.findOwned(ownerId, platformId, manager);
      this.assertModelNameFree(platform, row.displayName);
      const sortOrder = Math.max(-1, ...(platform.models ?? []).map((m) => m.sortOrder)) + 1;
      const model = await manager.save(manager.create(ModelEntity, { ...row, platformId, sortOrder }));
      await recordPriceVersions(manager, [model.id]);
      return model;
    });
    this.changes.publish({ kind: 'model', platformId, modelId: saved.id });
    return saved;
  }

  async updateModel(ownerId: string, modelId: number, patch: ModelPatch): Promise<ModelEntity> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const model = await this.findOwnedModel(manager, ownerId, modelId);
      const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
      const merged = this.checkModel({ ...model, ...defined });
      if (merged.displayName !== model.displayName) {
        this.assertModelNameFree(await this.findOwned(ownerId, model.platformId, manager), merged.displayName);
      }
      const updated = await manager.save(ModelEntity, { ...model, ...merged });
      await recordPriceVersions(manager, [modelId]);
      return updated;
    });
    this.changes.publish({ kind: 'model', platformId: saved.platformId, modelId });
    return saved;
  }

  async deleteModel(ownerId: string, modelId: number): Promise<void> {
    const model = await this.dataSource.transaction(async (manager) => {
      const owned = await this.findOwnedModel(manager, ownerId, modelId);
      await retireModels(manager, { modelId });
      await manager.delete(ModelEntity, { id: modelId });
      return owned;
    });
    this.changes.publish({ kind: 'model', platformId: model.platformId, modelId });
  }

  /** @throws MODEL_NOT_FOUND when the model does not exist or its platform belongs to someone else. */
  async findOwnedModel(manager: EntityManager, ownerId: string, modelId: number): Promise<ModelEntity> {
    const model = await manager
      .createQueryBuilder(ModelEntity, 'm')
      .innerJoin('m.platform', 'p')
      .where('m.id = :modelId AND p.owner_id = :ownerId', { modelId, ownerId })
      .getOne();
    if (!model) {
      throw new LlmManagerError('MODEL_NOT_FOUND', `Model ${modelId} does not exist or is not yours.`, {
        details: { modelId },
      });
    }
    return model;
  }

  private keyEnv(variable: string): string {
    return requireAllowedKeyEnv(requireEnvVarName(variable), this.options.keyEnvAllow);
  }

  /**
   * A stored key is only ever sent to the base URL it was saved for. Moving the platform elsewhere keeps it only when
   * this same request gives the key again (a new `apiKey`, or `apiKeyEnv`) or removes it; the mask sent back means
   * "unchanged", so it does not count (Dify asks the same).
   */
  private assertKeyFollowsBaseUrl(
    platform: PlatformEntity,
    before: Pick<PlatformEntity, 'baseUrl' | 'apiKeyEnc' | 'apiKeyEnv'>,
    patch: PlatformPatch,
  ): void {
    if (platform.baseUrl === before.baseUrl) return;
    const keptEnc = platform.apiKeyEnc !== null && platform.apiKeyEnc === before.apiKeyEnc;
    const keptEnv = platform.apiKeyEnc === null && platform.apiKeyEnv !== null && patch.apiKeyEnv === undefined;
    if (!keptEnc && !keptEnv) return;
    throw new LlmManagerError(
      'VALIDATION_FAILED',
      `apiKey: platform '${platform.name}' has a stored API key, saved for ${before.baseUrl}; it is never sent to ` +
        'another address. Give the key again in the same request (apiKey, or apiKeyEnv on a system platform) ' +
        'to use it with the new baseUrl, or remove it (apiKey: null).',
      { details: { field: 'apiKey', platformId: platform.id } },
    );
  }

  private applyKey(platform: PlatformEntity, apiKey: string | null): void {
    if (apiKey === null || apiKey === '') {
      platform.apiKeyEnc = null;
      return;
    }
    // A form that sends back the mask it was shown means "unchanged" (the hidden-value pattern).
    if (apiKey === this.views.maskOf(platform)) return;
    platform.apiKeyEnc = this.security.encrypt(apiKey);
  }

  private checkModel(input: ModelPatch): Omit<ModelInput, 'extraBody' | 'inputPrice' | 'cachedInputPrice' | 'outputPrice'> & {
    extraBody: Record<string, unknown> | null;
    inputPrice: number | null;
    cachedInputPrice: number | null;
    outputPrice: number | null;
  } {
    return {
      displayName: requireName(input.displayName, 'displayName'),
      modelName: requireName(input.modelName, 'modelName', MODEL_NAME_MAX_LENGTH),
      extraBody: requireExtraBody(input.extraBody),
      inputPrice: requirePrice(input.inputPrice, 'inputPrice'),
      cachedInputPrice: requirePrice(input.cachedInputPrice, 'cachedInputPrice'),
      outputPrice: requirePrice(input.outputPrice, 'outputPrice'),
    };
  }

  private async assertNameFree(manager: EntityManager, ownerId: string, name: string): Promise<void> {
    const taken = await manager.findOneBy(PlatformEntity, { ownerId, name });
    if (taken) {
      throw new LlmManagerError('NAME_CONFLICT', `A platform named '${name}' already exists. Choose another name.`, {
        details: { field: 'name', name, platformId: taken.id },
      });
    }
  }

  private assertModelNameFree(platform: PlatformEntity, displayName: string): void {
    if ((platform.models ?? []).some((m) => m.displayName === displayName)) {
      throw new LlmManagerError(
        'NAME_CONFLICT',
        `Platform '${platform.name}' already has a model named '${displayName}'. Choose another display name.`,
        { details: { field: 'displayName', name: displayName, platformId: platform.id } },
      );
    }
  }

  private assertUniqueDisplayNames(names: string[]): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) {
        throw new LlmManagerError('NAME_CONFLICT', `Model display name '${name}' is given twice. Names must be unique.`, {
          details: { field: 'displayName', name },
        });
      }
      seen.add(name);
    }
  }

  private withoutModels(platform: PlatformEntity): PlatformEntity {
    const { models: _models, ...rest } = platform;
    return rest as PlatformEntity;
  }
}
