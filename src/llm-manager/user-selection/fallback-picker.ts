import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CatalogueReader, isEnabled } from '../catalogue/catalogue-reader';
import { KeyResolver } from '../catalogue/key-resolver';
import { LlmManagerError } from '../common/llm-manager.error';
import { KeyCooldowns } from '../cooldowns/key-cooldowns';
import { SYSTEM_USER_ID, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';
import { UserSelectionEntity } from '../database/user-selection.entity';

type Target = { platform: PlatformEntity; model: ModelEntity };

/**
 * Where a slot goes when it has nowhere valid to point (M9): the system binding of the same usage key if this user
 * can call it (and its key does not cool down, issue 18: those come after every other callable one), else the platform with a model this user can call that answered most recently, then the first callable
 * one (in order: system, then the user's own), else the first that has a model (the call will then say what is
 * missing). A platform an administrator disabled is never picked. Callable: a key this user can use, or no key needed and the endpoint has answered (a keyless preset such
 * as a local Ollama is not callable just because it asks for no key).
 */
@Injectable()
export class FallbackPicker {
  constructor(
    @InjectRepository(UserSelectionEntity, LLM_MGR_DATA_SOURCE) private readonly selections: Repository<UserSelectionEntity>,
    private readonly catalogue: CatalogueReader,
    private readonly keys: KeyResolver,
    private readonly cooldowns: KeyCooldowns,
  ) {}

  async pick(userId: string, usageKey: string): Promise<Target> {
    await this.cooldowns.fresh();
    const systemBinding = await this.systemBinding(usageKey);
    const candidates = (await this.catalogue.visiblePlatforms(userId)).filter((p) => (p.models ?? []).length > 0);
    const targets = [
      ...(systemBinding ? [systemBinding] : []),
      ...byLatestAnswer(candidates).map((platform) => ({ platform, model: platform.models![0]! })),
    ];
    // Issue 18: a platform whose key (for this user) cools down is taken only when no other is callable.
    let cooling: Target | null = null;
    for (const target of targets) {
      const state = await this.callable(userId, target.platform);
      if (state === 'ready') return target;
      if (state === 'cooling') cooling ??= target;
    }
    const first = cooling ?? (systemBinding && isEnabled(systemBinding.platform) ? systemBinding : null) ?? (candidates[0] ? { platform: candidates[0], model: candidates[0].models![0] } : null);
    if (first) return first;
    throw new LlmManagerError(
      'NO_USABLE_MODEL',
      'No platform with a model is available. Add a platform and a model to llm_mgr_cfg.yaml (then restart), ' +
        'or through the admin API or console.',
    );
  }

  /** The binding a new slot starts from when the system has none for it. */
  async firstUsableBinding(userId: string): Promise<{ platformId: number | null; modelId: number | null }> {
    try {
      const target = await this.pick(userId, '');
      return { platformId: target.platform.id, modelId: target.model.id };
    } catch (error) {
      if (error instanceof LlmManagerError && error.code === 'NO_USABLE_MODEL') return { platformId: null, modelId: null };
      throw error;
    }
  }

  private async systemBinding(usageKey: string): Promise<Target | null> {
    if (!usageKey) return null;
    const row = await this.selections.findOneBy({ userId: SYSTEM_USER_ID, usageKey });
    return row ? this.catalogue.findBinding(row.platformId, row.modelId) : null;
  }

  /** Whether this user can call the platform now (`ready`), only once its key's cooldown ends, or not at all. */
  private async callable(userId: string, platform: PlatformEntity): Promise<'ready' | 'cooling' | 'no'> {
    if (!isEnabled(platform)) return 'no';
    try {
      const key = await this.keys.resolveFor(userId, platform);
      if (key.origin === 'none' && platform.answeredAt === null) return 'no';
      return this.cooldowns.knownCoolingUntil(this.cooldowns.refFor(platform.id, key.apiKey)) ? 'cooling' : 'ready';
    } catch (error) {
      // CONFIG_INVALID: a key variable the allow rule refuses; that platform is not callable, others may be.
      if (error instanceof LlmManagerError && (error.code === 'API_KEY_MISSING' || error.code === 'CONFIG_INVALID')) return 'no';
      throw error;
    }
  }
}

/** Platforms that answered, most recent first, then the others in their order (the sort is stable). */
function byLatestAnswer(platforms: PlatformEntity[]): PlatformEntity[] {
  const time = (platform: PlatformEntity): number => (platform.answeredAt ? new Date(platform.answeredAt).getTime() : 0);
  return [...platforms].sort((a, b) => time(b) - time(a));
}
