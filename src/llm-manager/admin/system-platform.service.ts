import { Injectable } from '@nestjs/common';
import { SYSTEM_USER_ID } from '../llm-manager.constants';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { PlatformAdminService } from './platform-admin.service';
import { PlatformAnswers } from '../catalogue/platform-answers';
import { KeyCooldowns } from '../cooldowns/key-cooldowns';
import { PlatformViewMapper } from './platform-view.mapper';
import type { ModelInput, ModelPatch, ModelView, PlatformInput, PlatformPatch, PlatformView } from './platform.types';

/** The admin's side: system platforms and models, shared by every user. Changes apply at once (DB mode). */
@Injectable()
export class SystemPlatformService {
  constructor(
    private readonly platforms: PlatformAdminService,
    private readonly catalogue: CatalogueReader,
    private readonly views: PlatformViewMapper,
    private readonly answers: PlatformAnswers,
    private readonly cooldowns: KeyCooldowns,
  ) {}

  async list(): Promise<PlatformView[]> {
    await this.cooldowns.fresh();
    return this.views.toViews(await this.catalogue.platformsOwnedBy([SYSTEM_USER_ID]));
  }

  async get(platformId: number): Promise<PlatformView> {
    return this.view(platformId);
  }

  async create(input: PlatformInput, models: ModelInput[] = []): Promise<PlatformView> {
    const platform = await this.platforms.createPlatform(SYSTEM_USER_ID, input, models);
    return this.view(platform.id);
  }

  async update(platformId: number, patch: PlatformPatch): Promise<PlatformView> {
    await this.platforms.updatePlatform(SYSTEM_USER_ID, platformId, patch);
    return this.view(platformId);
  }

  async delete(platformId: number): Promise<void> {
    await this.platforms.deletePlatform(SYSTEM_USER_ID, platformId);
  }

  /**
   * The admin vouches that the platform's endpoint answers (as a successful test would record): a keyless platform
   * then counts as usable. Changing its base URL forgets it again.
   */
  async markAnswering(platformId: number): Promise<PlatformView> {
    await this.platforms.findOwned(SYSTEM_USER_ID, platformId);
    await this.answers.markAnswered(platformId);
    return this.view(platformId);
  }

  /** Moves the platform to the top: the first system platform is the default (M10). */
  async setDefault(platformId: number): Promise<PlatformView> {
    await this.platforms.moveToTop(SYSTEM_USER_ID, platformId);
    return this.view(platformId);
  }

  /** Sets or replaces the platform's key (stored encrypted); `null` removes it. */
  async setApiKey(platformId: number, apiKey: string | null): Promise<PlatformView> {
    await this.platforms.setPlatformKey(SYSTEM_USER_ID, platformId, apiKey);
    return this.view(platformId);
  }

  async addModel(platformId: number, input: ModelInput): Promise<ModelView> {
    return this.views.toModelView(await this.platforms.addModel(SYSTEM_USER_ID, platformId, input));
  }

  async updateModel(modelId: number, patch: ModelPatch): Promise<ModelView> {
    return this.views.toModelView(await this.platforms.updateModel(SYSTEM_USER_ID, modelId, patch));
  }

  async deleteModel(modelId: number): Promise<void> {
    await this.platforms.deleteModel(SYSTEM_USER_ID, modelId);
  }

  private async view(platformId: number): Promise<PlatformView> {
    const all = await this.list();
    return all.find((p) => p.id === platformId) ?? this.views.toView(await this.platforms.findOwned(SYSTEM_USER_ID, platformId), false);
  }
}
