import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CatalogueReader, isEnabled } from '../catalogue/catalogue-reader';
import { KeyResolver } from '../catalogue/key-resolver';
import { KeyCooldowns } from '../cooldowns/key-cooldowns';
import { ConfigChanges } from '../common/config-changes';
import { requireUsageKey } from '../common/input-rules';
import { LlmManagerError } from '../common/llm-manager.error';
import { DEFAULT_USAGE_KEYS, SYSTEM_USER_ID, LLM_MGR_DATA_SOURCE } from '../llm-manager.constants';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';
import { UserSelectionEntity } from '../database/user-selection.entity';
import { isDeadlock } from '../database/duplicate-key';
import { FallbackPicker } from './fallback-picker';
import type { SlotBinding, SlotFallbackView, SlotView, UserSelectionView } from './selection.types';
import { describeFallbacks, usableFallbacks, type BoundModel } from './slot-fallbacks';
import { SystemBindingCache, type SystemBinding } from './system-binding-cache';
import { insertOrIgnore } from '../database/insert-or-ignore';

/** A slot resolved to something the user may call. */
export interface ResolvedSlot {
  usageKey: string;
  platform: PlatformEntity;
  model: ModelEntity;
  /** The models tried in order when `model` fails before answering (issue 18). */
  fallbacks: BoundModel[];
}

/**
 * Usage slots (M3) and their self-repair (M9). A user's `main`/`fast`/`reason` (and any custom slot the system
 * binds) are copied from the system bindings on first use; a slot pointing at something gone or no longer visible
 * is re-bound to the first usable default, saved, and logged once.
 */
@Injectable()
export class UserSelectionService implements OnModuleDestroy {
  private readonly logger = new Logger('LlmManager');
  private readonly systemBindings: SystemBindingCache;

  constructor(
    @InjectRepository(UserSelectionEntity, LLM_MGR_DATA_SOURCE) private readonly selections: Repository<UserSelectionEntity>,
    private readonly catalogue: CatalogueReader,
    private readonly fallback: FallbackPicker,
    private readonly changes: ConfigChanges,
    private readonly keys: KeyResolver,
    private readonly cooldowns: KeyCooldowns,
  ) {
    this.systemBindings = new SystemBindingCache(
      () => this.selections.find({ where: { userId: SYSTEM_USER_ID }, order: { id: 'ASC' } }),
      changes,
    );
  }

  onModuleDestroy(): void {
    this.systemBindings.close();
  }

  /** The platform and model behind `usageKey` for this user, repairing the slot when needed. */
  async resolveSlot(userId: string, usageKey: string): Promise<ResolvedSlot> {
    const slots = await this.ensureSlots(userId, usageKey);
    const slot = slots.find((s) => s.usageKey === usageKey);
    if (!slot) throw this.unknownSlot(userId, usageKey, slots);
    const fallbacks = await usableFallbacks(this.catalogue, userId, slot.fallbacks);
    const bound = await this.catalogue.findBinding(slot.platformId, slot.modelId);
    if (bound && this.catalogue.isVisibleTo(bound.platform, userId)) {
      if (isEnabled(bound.platform)) return { usageKey, ...bound, fallbacks };
      // A disabled platform is switched off for now, not gone: the slot keeps its binding (enabling the platform
      // restores it) and this call goes where self-repair would send it.
      return { usageKey, ...(await this.fallback.pick(userId, usageKey)), fallbacks };
    }
    return { usageKey, ...(await this.repair(slot)), fallbacks };
  }

  async getUserSelection(userId: string, usageKey = 'main'): Promise<UserSelectionView> {
    const resolved = await this.resolveSlot(userId, usageKey);
    const all = await this.listSlots(userId);
    const current =
      all.find((s) => s.usage_key === resolved.usageKey) ?? this.toView(resolved.usageKey, resolved, [], await this.coolingOf(userId, resolved));
    return { user_id: userId, ...current, usage_selections: all };
  }

  /** Re-binds an existing slot (the defaults exist for everyone). */
  async updateUserSelection(userId: string, usageKey: string, binding: SlotBinding): Promise<UserSelectionView> {
    requireUsageKey(usageKey);
    const slots = await this.ensureSlots(userId, usageKey);
    const slot = slots.find((s) => s.usageKey === usageKey);
    if (!slot) throw this.unknownSlot(userId, usageKey, slots);
    await this.checkBinding(userId, binding);
    await this.selections.update({ id: slot.id }, this.row(binding));
    this.changes.publish({ kind: 'selection', userId, usageKey });
    return this.getUserSelection(userId, usageKey);
  }

  /** A new slot for this user (`SYSTEM_USER_ID`: a new system binding every user starts from). */
  async createUserUsageSlot(userId: string, usageKey: string, binding: SlotBinding): Promise<UserSelectionView> {
    requireUsageKey(usageKey);
    await this.checkBinding(userId, binding);
    const repo = this.selections;
    if (await repo.findOneBy({ userId, usageKey })) {
      throw new LlmManagerError('NAME_CONFLICT', `Usage slot '${usageKey}' already exists. Update it instead.`, {
        details: { field: 'usageKey', name: usageKey },
      });
    }
    await repo.insert({ userId, usageKey, ...this.row(binding) });
    this.changes.publish({ kind: 'selection', userId, usageKey });
    return this.getUserSelection(userId, usageKey);
  }

  /**
   * Removes a custom slot (`SYSTEM_USER_ID`: a custom system binding; users who already have the slot keep theirs).
   * @throws LlmManagerError `VALIDATION_FAILED` for main, fast and reason, which every user has.
   */
  async deleteUserUsageSlot(userId: string, usageKey: string): Promise<void> {
    requireUsageKey(usageKey);
    if ((DEFAULT_USAGE_KEYS as readonly string[]).includes(usageKey)) {
      throw new LlmManagerError('VALIDATION_FAILED', `Usage slot '${usageKey}' is built in and cannot be removed. Re-bind it instead.`, {
        details: { field: 'usageKey', usageKey },
      });
    }
    const slots = await this.selections.find({ where: { userId }, order: { id: 'ASC' } });
    const slot = slots.find((s) => s.usageKey === usageKey);
    if (!slot) throw this.unknownSlot(userId, usageKey, slots);
    await this.selections.delete({ id: slot.id });
    this.changes.publish({ kind: 'selection', userId, usageKey });
  }

  /** Every slot of the user, described. */
  async listSlots(userId: string): Promise<SlotView[]> {
    const slots = await this.ensureSlots(userId);
    await this.cooldowns.fresh();
    const views: SlotView[] = [];
    for (const slot of slots) {
      const bound = await this.catalogue.findBinding(slot.platformId, slot.modelId);
      views.push(this.toView(slot.usageKey, bound, await describeFallbacks(this.catalogue, slot.fallbacks), await this.coolingOf(userId, bound)));
    }
    return views;
  }

  /** Until when this user's calls to the bound platform are skipped (issue 18): the key they use cools down. */
  private async coolingOf(userId: string, bound: BoundModel | null): Promise<string | null> {
    if (!bound || !this.cooldowns.platformCooling(bound.platform.id)) return null;
    try {
      return this.cooldowns.knownCoolingIso(bound.platform.id, (await this.keys.resolveFor(userId, bound.platform)).apiKey);
    } catch (error) {
      // No key this user can use: nothing of hers to cool down.
      if (error instanceof LlmManagerError) return null;
      throw error;
    }
  }

  /**
   * The user's slots, creating the missing defaults (and `wanted`, when the system binds it) from the system bindings
   * in one multi-row insert: a new user's first call pays one commit, not one per slot (bench P1 cold).
   */
  private async ensureSlots(userId: string, wanted?: string): Promise<UserSelectionEntity[]> {
    const repo = this.selections;
    const own = await repo.find({ where: { userId }, order: { id: 'ASC' } });
    const keys = new Set<string>([...DEFAULT_USAGE_KEYS, ...(wanted ? [wanted] : [])]);
    const missing = [...keys].filter((key) => !own.some((s) => s.usageKey === key));
    if (missing.length === 0) return own;

    const system: readonly SystemBinding[] = userId === SYSTEM_USER_ID ? own : await this.systemBindings.get();
    let fallback: Promise<{ platformId: number | null; modelId: number | null }> | undefined;
    const rows: Array<Pick<UserSelectionEntity, 'userId' | 'usageKey' | 'platformId' | 'modelId' | 'fallbacks'>> = [];
    for (const usageKey of missing) {
      const template = system.find((s) => s.usageKey === usageKey);
      if (!template && !(DEFAULT_USAGE_KEYS as readonly string[]).includes(usageKey)) continue;
      const binding = template
        ? { platformId: template.platformId, modelId: template.modelId, fallbacks: template.fallbacks ? [...template.fallbacks] : null }
        : { ...(await (fallback ??= this.fallback.firstUsableBinding(userId))), fallbacks: null };
      rows.push({ userId, usageKey, ...binding });
    }
    if (rows.length === 0) return own;
    // Two first requests of one user may race to create the same slots: the unique index keeps the first row of
    // each, the other insert skips it, and both read back what is stored.
    await insertOrIgnore(repo, rows);
    return repo.find({ where: { userId }, order: { id: 'ASC' } });
  }

  private async repair(slot: UserSelectionEntity): Promise<{ platform: PlatformEntity; model: ModelEntity }> {
    const target = await this.fallback.pick(slot.userId, slot.usageKey);
    await this.selections
      .update({ id: slot.id }, { platformId: target.platform.id, modelId: target.model.id });
    this.logger.log(
      `Repaired usage slot '${slot.usageKey}' of user ${slot.userId}: it pointed at platform ${slot.platformId}/model ` +
        `${slot.modelId}, which is gone or no longer usable; now ${target.platform.name}/${target.model.displayName}.`,
    );
    this.changes.publish({ kind: 'selection', userId: slot.userId, usageKey: slot.usageKey, repaired: true });
    return target;
  }

  /** The columns a binding writes; a binding without `fallbacks` leaves the stored chain as it is. */
  private row(binding: SlotBinding): Pick<UserSelectionEntity, 'platformId' | 'modelId'> & Partial<Pick<UserSelectionEntity, 'fallbacks'>> {
    const { platformId, modelId, fallbacks } = binding;
    if (fallbacks === undefined) return { platformId, modelId };
    return { platformId, modelId, fallbacks: fallbacks.length ? fallbacks.map((f) => ({ platformId: f.platformId, modelId: f.modelId })) : null };
  }

  private async checkBinding(userId: string, binding: SlotBinding): Promise<void> {
    for (const entry of [binding, ...(binding?.fallbacks ?? [])]) await this.checkModel(userId, entry);
  }

  private async checkModel(userId: string, binding: { platformId: number; modelId: number }): Promise<void> {
    const bound = await this.catalogue.findBinding(binding?.platformId ?? null, binding?.modelId ?? null);
    if (!bound || !this.catalogue.isVisibleTo(bound.platform, userId)) {
      throw new LlmManagerError(
        'MODEL_NOT_FOUND',
        `Model ${binding?.modelId} on platform ${binding?.platformId} does not exist or is not available to you. ` +
          'List the platforms you can use and pick a model id from one of them.',
        { details: { platformId: binding?.platformId, modelId: binding?.modelId } },
      );
    }
  }

  private unknownSlot(userId: string, usageKey: string, slots: UserSelectionEntity[]): LlmManagerError {
    const known = slots.map((s) => s.usageKey).join(', ');
    const howToCreate =
      userId === SYSTEM_USER_ID
        ? 'Create the system binding with createUserUsageSlot(SYSTEM_USER_ID, …) (POST /api/ai/admin/usages).'
        : 'Create it with createUserUsageSlot (POST /api/ai/user-selection/usage).';
    return new LlmManagerError(
      'USAGE_SLOT_NOT_FOUND',
      `${userId === SYSTEM_USER_ID ? 'The system' : `User ${userId}`} has no usage slot '${usageKey}'. ` +
        `Existing slots: ${known}. ${howToCreate}`,
      { details: { usageKey, slots: slots.map((s) => s.usageKey) } },
    );
  }

  private toView(usageKey: string, bound: BoundModel | null, fallbacks: SlotFallbackView[], coolingUntil: string | null): SlotView {
    return {
      usage_key: usageKey,
      platform_id: bound?.platform.id ?? null,
      platform_name: bound?.platform.name ?? null,
      model_id: bound?.model.id ?? null,
      model_display_name: bound?.model.displayName ?? null,
      model_name: bound?.model.modelName ?? null,
      is_system_platform: bound?.platform.ownerId === SYSTEM_USER_ID,
      cooling_until: coolingUntil,
      fallbacks,
    };
  }
}
