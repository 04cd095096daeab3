import { Injectable } from '@nestjs/common';
import type { ModelInput, ModelPatch, ModelView, PlatformInput, PlatformPatch, PlatformView } from './admin/platform.types';
import { SystemPlatformService } from './admin/system-platform.service';
import { UserPlatformService, type UserPlatformKeyView } from './admin/user-platform.service';
import { BudgetEvents, type BudgetEventListener } from './budgets/budget-events';
import { BudgetService } from './budgets/budget.service';
import type { BudgetInput, BudgetView, SpendView } from './budgets/budget.types';
import { RateLimitService } from './rate-limits/rate-limit.service';
import type { RateLimitView, RateLimitsView, SetRateLimitInput } from './rate-limits/rate-limit.types';
import { LlmBuilderService } from './builder/llm-builder.service';
import { ModelProbeService, type ModelTestResult, type ModelTestTarget } from './builder/model-probe.service';
import type { TrackedChatModel, UsageSummary } from './builder/tracked-chat-model';
import { SYSTEM_USER_ID } from './llm-manager.constants';
import { Clock } from './usage/clock';
import { UsageQueryService } from './usage/usage-query.service';
import type { SlotBinding, UserSelectionView } from './user-selection/selection.types';
import { UserSelectionService } from './user-selection/user-selection.service';
import type { SyncReport } from './yaml-sync/sync-report';
import { YamlSyncService } from './yaml-sync/yaml-sync.service';

/** A point in time, or a duration in milliseconds back from now. */
export type Since = Date | number;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The facade host applications inject: one object for models, slots, platforms, keys and usage. It delegates and
 * holds no logic of its own. The admin side of the catalogue is `system`.
 */
@Injectable()
export class LlmManagerService {
  constructor(
    readonly system: SystemPlatformService,
    private readonly builder: LlmBuilderService,
    private readonly selections: UserSelectionService,
    private readonly userPlatforms: UserPlatformService,
    private readonly probe: ModelProbeService,
    private readonly usage: UsageQueryService,
    private readonly yamlSync: YamlSyncService,
    private readonly clock: Clock,
    private readonly budgets: BudgetService,
    private readonly budgetEvents: BudgetEvents,
    private readonly rateLimits: RateLimitService,
  ) {}

  /** A tracked LangChain chat model for this user's `usageKey` slot (default `main`); no user = the system user. */
  getUserLlm(userId?: string, opts?: { usageKey?: string; agentName?: string }): Promise<TrackedChatModel> {
    return this.builder.getUserLlm(userId ?? SYSTEM_USER_ID, opts);
  }

  /** A system model by the display names of llm_mgr_cfg.yaml, e.g. `('阿里云百炼', '通义flash')`. */
  getSpecSysLlm(platformName: string, modelDisplayName: string, opts?: { agentName?: string }): Promise<TrackedChatModel> {
    return this.builder.getSpecSysLlm(platformName, modelDisplayName, opts);
  }

  /** One slot (default `main`) plus `usage_selections`, all of the user's slots. */
  getUserSelection(userId: string, usageKey?: string): Promise<UserSelectionView> {
    return this.selections.getUserSelection(userId, usageKey);
  }

  updateUserSelection(userId: string, usageKey: string, binding: SlotBinding): Promise<UserSelectionView> {
    return this.selections.updateUserSelection(userId, usageKey, binding);
  }

  /** A custom slot; with `SYSTEM_USER_ID`, a system binding every user's slot of that key starts from. */
  createUserUsageSlot(userId: string, usageKey: string, binding: SlotBinding): Promise<UserSelectionView> {
    return this.selections.createUserUsageSlot(userId, usageKey, binding);
  }

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

  /** The user's own key for a system platform (M1.2, M5), stored encrypted in `llm_sys_platform_keys`. */
  setUserPlatformKey(userId: string, platformId: number, apiKey: string): Promise<UserPlatformKeyView> {
    return this.userPlatforms.setUserPlatformKey(userId, platformId, apiKey);
  }

  /** Model ids served by any OpenAI-compatible endpoint (M6). */
  probePlatformModels(baseUrl: string, apiKey?: string | null): Promise<string[]> {
    return this.probe.probePlatformModels(baseUrl, apiKey);
  }

  /** One tiny chat request: `{ ok, latencyMs, error? }`. */
  testModel(userId: string | undefined, target: ModelTestTarget): Promise<ModelTestResult> {
    return this.probe.testModel(userId, target);
  }

  getUserUsageLast24h(userId: string): Promise<UsageSummary> {
    return this.usage.summary({ userId, since: this.toDate(DAY_MS) });
  }

  getUserUsageLastWeek(userId: string): Promise<UsageSummary> {
    return this.usage.summary({ userId, since: this.toDate(7 * DAY_MS) });
  }

  /** Usage grouped by model (M16). */
  getUserUsageStats(userId: string, opts: { since?: Since } = {}): ReturnType<UsageQueryService['byModel']> {
    return this.usage.byModel(userId, { since: this.toDate(opts.since) });
  }

  /** Usage grouped by agent name (M16). */
  getUsageByAgent(userId: string, opts: { since?: Since } = {}): ReturnType<UsageQueryService['byAgent']> {
    return this.usage.byAgent(userId, { since: this.toDate(opts.since) });
  }

  /** Tokens and requests per hour or day, empty buckets included (M16). Default: the last 24 hours. */
  getUsageTimeline(
    userId: string,
    opts: { granularity?: 'hour' | 'day'; since?: Since } = {},
  ): ReturnType<UsageQueryService['timeline']> {
    return this.usage.timeline(userId, {
      granularity: opts.granularity ?? 'hour',
      since: this.toDate(opts.since ?? DAY_MS)!,
    });
  }

  /** Deletes usage rows older than `olderThan`; returns how many went. */
  purgeOldUsageLogs(opts: { olderThan: Since }): Promise<number> {
    return this.usage.purge(this.toDate(opts.olderThan)!);
  }

  /**
   * Creates or replaces the budget of (user, slot, token): a limit in USD per `day | week | month | total`, aligned
   * to the calendar of `timeZone`. Hard (default): calls past it are refused with `BUDGET_EXCEEDED`; soft: an event.
   */
  setBudget(input: BudgetInput): Promise<BudgetView> {
    return this.budgets.setBudget(input);
  }

  /** The user's budgets, each with what its current window spent, holds reserved and when it resets. */
  getBudgets(userId: string): Promise<BudgetView[]> {
    return this.budgets.getBudgets(userId);
  }

  /** USD the user spent since `since` (default: all time), from the cost stored on every usage row. */
  getSpend(userId: string, opts: { since?: Since } = {}): Promise<SpendView> {
    return this.budgets.getSpend(userId, this.toDate(opts.since));
  }

  /**
   * Subscribes to budget events: `budget.soft_limit_reached` (a soft budget's window is full; once per window) and
   * `budget.call_refused` (a hard budget refused a call with `BUDGET_EXCEEDED`). Returns the unsubscribe function.
   */
  onBudgetEvent(listener: BudgetEventListener): () => void {
    return this.budgetEvents.subscribe(listener);
  }

  /**
   * Creates or replaces the rate limit of a user (`userId`), one slot of a user (`userId` + `usageKey`) or an API token
   * (`tokenId`): `rpm`, `tpm`, `concurrent`. A call past any limit it falls under is refused with `RATE_LIMITED`.
   */
  setRateLimit(input: SetRateLimitInput): Promise<RateLimitView> {
    return this.rateLimits.setRateLimit(input);
  }

  /** Every stored rate limit (or one user's), the default per-user limit and where the counters live. */
  getRateLimits(userId?: string): Promise<RateLimitsView> {
    return this.rateLimits.getRateLimits(userId);
  }

  deleteRateLimit(id: number): Promise<void> {
    return this.rateLimits.deleteRateLimit(id);
  }

  /**
   * Force reset (M11): the YAML overwrites the system platforms; users' keys for a platform it drops are deleted and
   * their slots on it unbound (`report.impact`).
   */
  reloadFromYaml(): Promise<SyncReport> {
    return this.yamlSync.forceReset();
  }

  private toDate(since: Since | undefined): Date | undefined {
    if (since === undefined) return undefined;
    return since instanceof Date ? since : new Date(this.clock.now().getTime() - since);
  }
}
