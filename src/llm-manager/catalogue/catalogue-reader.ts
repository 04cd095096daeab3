import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE, SYSTEM_USER_ID } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { ModelEntity } from '../database/model.entity';
import { PlatformEntity } from '../database/platform.entity';

/** False once an administrator switched the platform off (issue 19). */
export const isEnabled = (platform: PlatformEntity): boolean => platform.disabledAt === null || platform.disabledAt === undefined;

/** Platforms and models as one user may use them: system ones always, the user's own in custom mode only. */
@Injectable()
export class CatalogueReader {
  constructor(
    @InjectRepository(PlatformEntity, LLM_MGR_DATA_SOURCE) private readonly platforms: Repository<PlatformEntity>,
    @InjectRepository(ModelEntity, LLM_MGR_DATA_SOURCE) private readonly models: Repository<ModelEntity>,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  /** Owners whose platforms `userId` may use, in the order defaults are picked. */
  ownersVisibleTo(userId: string): string[] {
    return this.options.useSysLlmConfig || userId === SYSTEM_USER_ID ? [SYSTEM_USER_ID] : [SYSTEM_USER_ID, userId];
  }

  isVisibleTo(platform: PlatformEntity, userId: string): boolean {
    return this.ownersVisibleTo(userId).includes(platform.ownerId);
  }

  /**
   * Visible platforms with their models that may be called: system first, then the user's own, each in its order. A
   * platform an administrator disabled (issue 19) is left out: nothing picks it, lists it for calls or repairs to it.
   */
  async visiblePlatforms(userId: string): Promise<PlatformEntity[]> {
    return (await this.platformsOwnedBy(this.ownersVisibleTo(userId))).filter(isEnabled);
  }

  /** Platforms of these owners with their models, grouped by owner in the given order, each group in its order. */
  async platformsOwnedBy(owners: string[]): Promise<PlatformEntity[]> {
    if (owners.length === 0) return [];
    const rows = await this.platforms
      .createQueryBuilder('p')
      .leftJoinAndSelect('p.models', 'm')
      .where('p.owner_id IN (:...owners)', { owners })
      .orderBy('p.sort_order', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .addOrderBy('m.sort_order', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .getMany();
    return owners.flatMap((owner) => rows.filter((p) => p.ownerId === owner));
  }

  /** The platform and model of a binding, or null when either is gone or the model is not on that platform. */
  async findBinding(
    platformId: number | null,
    modelId: number | null,
  ): Promise<{ platform: PlatformEntity; model: ModelEntity } | null> {
    if (platformId === null || modelId === null) return null;
    const model = await this.models.findOne({ where: { id: modelId, platformId }, relations: { platform: true } });
    return model?.platform ? { platform: model.platform, model } : null;
  }

  /** A system platform and model by their YAML display names (`getSpecSysLlm`). */
  async findSystemModel(platformName: string, modelDisplayName: string): Promise<{ platform: PlatformEntity; model: ModelEntity } | null> {
    const platform = await this.platforms.findOne({ where: { ownerId: SYSTEM_USER_ID, name: platformName }, relations: { models: true } });
    const model = platform?.models?.find((m) => m.displayName === modelDisplayName);
    return platform && model ? { platform, model } : null;
  }
}
