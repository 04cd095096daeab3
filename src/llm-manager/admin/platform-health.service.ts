import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ModelProbeService, type ModelTestResult } from '../builder/model-probe.service';
import { PlatformAnswers } from '../catalogue/platform-answers';
import { ConfigChanges } from '../common/config-changes';
import { PlatformEntity } from '../database/platform.entity';
import { LLM_MGR_DATA_SOURCE, SYSTEM_USER_ID } from '../llm-manager.constants';
import { Clock } from '../usage/clock';
import { PlatformAdminService } from './platform-admin.service';
import type { PlatformView } from './platform.types';
import { SystemPlatformService } from './system-platform.service';

/**
 * Issue 19, platform health: switch a system platform off without deleting it, and test it as a whole (its first
 * model) with the outcome kept on the platform.
 */
@Injectable()
export class PlatformHealthService {
  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly owned: PlatformAdminService,
    private readonly platforms: SystemPlatformService,
    private readonly probe: ModelProbeService,
    private readonly answers: PlatformAnswers,
    private readonly changes: ConfigChanges,
    private readonly clock: Clock,
  ) {}

  /**
   * Enables or disables the platform. Disabled, it keeps its models, keys and the slots bound to it; calls go where
   * self-repair would send them until it is enabled again. Every cached model may have been resolved around it.
   */
  async setEnabled(platformId: number, enabled: boolean): Promise<PlatformView> {
    const platform = await this.owned.findOwned(SYSTEM_USER_ID, platformId);
    if ((platform.disabledAt === null) !== enabled) {
      await this.dataSource.manager.update(PlatformEntity, { id: platformId }, { disabledAt: enabled ? null : this.clock.now() });
      this.changes.publish({ kind: 'all' });
    }
    return this.platforms.get(platformId);
  }

  /** Tests the platform's first model (its default); a platform without a model fails, and that is recorded too. */
  async test(platformId: number): Promise<ModelTestResult> {
    const platform = await this.owned.findOwned(SYSTEM_USER_ID, platformId);
    const model = platform.models?.[0];
    if (model) return this.probe.testModel(SYSTEM_USER_ID, { platformId, modelId: model.id });
    const error = `Platform '${platform.name}' has no model to test. Add one (or probe the platform for its models) first.`;
    await this.answers.recordTest(platformId, { ok: false, detail: error });
    return { ok: false, latencyMs: 0, platform: platform.name, error };
  }
}
