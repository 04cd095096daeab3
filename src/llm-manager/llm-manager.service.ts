import { Injectable } from '@nestjs/common';
import type { ModelInput, ModelPatch, ModelView, PlatformInput, PlatformPatch, PlatformView } from './admin/platform.types';
import { UserPlatformService, type UserPlatformKeyView } from './admin/user-platform.service';
import { SystemPlatformService } from './admin/system-platform.service';
import type { SyncReport } from './yaml-sync/sync-report';
import { YamlSyncService } from './yaml-sync/yaml-sync.service';

/**
 * The facade host applications inject. It delegates and holds no logic of its own; the admin side lives in
 * `SystemPlatformService`, reachable here as `system`.
 */
@Injectable()
export class LlmManagerService {
  constructor(
    readonly system: SystemPlatformService,
    private readonly userPlatforms: UserPlatformService,
    private readonly yamlSync: YamlSyncService,
  ) {}

  /** Platforms this user may use: the system ones, then the user's own (custom mode). Keys masked. */
  listPlatforms(userId: string): Promise<PlatformView[]> {
    return this.userPlatforms.listVisible(userId);
  }

  /** A private platform for this user (custom mode, M1.3). */
  addPlatform(userId: string, input: PlatformInput, models?: ModelInput[]): Promise<PlatformView> {
    return this.userPlatforms.addPlatform(userId, input, models);
  }

  updatePlatform(userId: string, platformId: number, patch: PlatformPatch): Promise<PlatformView> {
    return this.userPlatforms.updatePlatform(userId, platformId, patch);
  }

  deletePlatform(userId: string, platformId: number): Promise<void> {
    return this.userPlatforms.deletePlatform(userId, platformId);
  }

  addModel(userId: string, platformId: number, input: ModelInput): Promise<ModelView> {
    return this.userPlatforms.addModel(userId, platformId, input);
  }

  updateModel(userId: string, modelId: number, patch: ModelPatch): Promise<ModelView> {
    return this.userPlatforms.updateModel(userId, modelId, patch);
  }

  deleteModel(userId: string, modelId: number): Promise<void> {
    return this.userPlatforms.deleteModel(userId, modelId);
  }

  /** The user's own key for a system platform (M1.2), stored encrypted in `llm_sys_platform_keys`. */
  setUserPlatformKey(userId: string, platformId: number, apiKey: string): Promise<UserPlatformKeyView> {
    return this.userPlatforms.setUserPlatformKey(userId, platformId, apiKey);
  }

  /** Force reset (M11): the YAML overwrites the system platforms; users' keys and selections are kept. */
  reloadFromYaml(): Promise<SyncReport> {
    return this.yamlSync.forceReset();
  }
}
