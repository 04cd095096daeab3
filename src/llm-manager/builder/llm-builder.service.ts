import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { KeyResolver } from '../catalogue/key-resolver';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
import { KeyCooldowns } from '../cooldowns/key-cooldowns';
import { LlmManagerError } from '../common/llm-manager.error';
import { rethrowDatabaseFailure } from '../database/database-failure';
import { LLM_MANAGER_RESOLVED_OPTIONS, SYSTEM_USER_ID } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';
import { Clock } from '../usage/clock';
import { modelFamily } from '../usage/token-estimator';
import { UsageQueryService } from '../usage/usage-query.service';
import type { BoundModel } from '../user-selection/slot-fallbacks';
import { UserSelectionService } from '../user-selection/user-selection.service';
import { LlmMetrics } from '../metrics/llm-metrics';
import { CallRecorder } from './call-recorder';
import { requestExtraBody } from './extra-body';
import { CallTracker } from './call-tracker';
import { ModelHealth } from './model-health';
import { RetryLoop } from './retry-loop';
import { TrackedChatModel, type ModelUsageSource } from './tracked-chat-model';
import { UpstreamHttp } from './upstream-http';

/** Stands in for the key of endpoints that need none: the OpenAI SDK refuses to send a request without one. */
const KEYLESS_PLACEHOLDER = 'not-needed';

interface CacheEntry {
  model: Promise<TrackedChatModel>;
  userId: string;
  usageKey: string | null;
  /** Of every model of the chain; undefined while the entry is being built. */
  platformIds?: number[];
  modelIds?: number[];
}

/**
 * Builds tracked models and keeps them: a warm `getUserLlm()` is one Map lookup, no database round trip. A write
 * to the configuration that produced an entry (its platform, model, key or slot) drops exactly that entry. At most
 * `modelCacheSize` models are kept (each holds a few KB); past it the least recently asked for is dropped and built
 * again on its next use, so 100,000 users or agent names cost a rebuild, never unbounded memory.
 */
@Injectable()
export class LlmBuilderService implements OnModuleDestroy {
  private readonly logger = new Logger('LlmManager');
  private readonly cache = new Map<string, CacheEntry>();
  private readonly unsubscribe: () => void;

  constructor(
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly selections: UserSelectionService,
    private readonly catalogue: CatalogueReader,
    private readonly keys: KeyResolver,
    private readonly recorder: CallRecorder,
    private readonly usage: UsageQueryService,
    private readonly clock: Clock,
    private readonly http: UpstreamHttp,
    private readonly metrics: LlmMetrics,
    private readonly cooldowns: KeyCooldowns,
    changes: ConfigChanges,
  ) {
    this.unsubscribe = changes.subscribe((change) => this.invalidate(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The model bound to `usageKey` for this user (M2); `userId` undefined means the system user. */
  getUserLlm(userId: string = SYSTEM_USER_ID, opts: { usageKey?: string; agentName?: string } = {}): Promise<TrackedChatModel> {
    const usageKey = opts.usageKey ?? 'main';
    const agentName = opts.agentName ?? null;
    return this.metrics.timeResolution(() =>
      this.cached(`u\u0000${userId}\u0000${usageKey}\u0000${agentName ?? ''}`, userId, usageKey, async () => {
        const slot = await this.selections.resolveSlot(userId, usageKey);
        let fallback: TrackedChatModel | undefined;
        for (const next of [...slot.fallbacks].reverse()) {
          fallback = (await this.buildFallback(userId, usageKey, agentName, next, fallback)) ?? fallback;
        }
        return this.build(userId, usageKey, agentName, slot.platform, slot.model, {}, fallback);
      }),
    );
  }

  /** A system model by its YAML display names, with the system key (M2). */
  getSpecSysLlm(platformName: string, modelDisplayName: string, opts: { agentName?: string } = {}): Promise<TrackedChatModel> {
    const agentName = opts.agentName ?? null;
    const key = `s\u0000${platformName}\u0000${modelDisplayName}\u0000${agentName ?? ''}`;
    return this.metrics.timeResolution(() => this.cached(key, SYSTEM_USER_ID, null, async () => {
      const found = await this.catalogue.findSystemModel(platformName, modelDisplayName);
      if (!found) {
        throw new LlmManagerError(
          'MODEL_NOT_FOUND',
          `No system model '${modelDisplayName}' on platform '${platformName}'. Names are the display names of ` +
            'llm_mgr_cfg.yaml (case-sensitive); list them with GET /api/ai/admin/sys-platforms.',
          { details: { platformName, modelDisplayName } },
        );
      }
      if (found.platform.disabledAt) {
        throw new LlmManagerError(
          'PLATFORM_DISABLED',
          `System platform '${platformName}' is disabled. Enable it with POST /api/ai/admin/sys-platform/${found.platform.id}/enable ` +
            '(or in the console), or name another platform.',
          { details: { platformName, platformId: found.platform.id } },
        );
      }
      return this.build(SYSTEM_USER_ID, null, agentName, found.platform, found.model);
    }));
  }

  /** A model for an explicit platform and model of this user (used by `testModel`); not cached. */
  async buildFor(userId: string, platform: PlatformEntity, model: ModelEntity, agentName: string | null, overrides: { timeoutMs?: number; maxRetries?: number } = {}): Promise<TrackedChatModel> {
    return this.build(userId, null, agentName, platform, model, overrides);
  }

  /** Models kept now (at most `modelCacheSize`). */
  get cachedModels(): number {
    return this.cache.size;
  }

  private cached(key: string, userId: string, usageKey: string | null, create: () => Promise<TrackedChatModel>): Promise<TrackedChatModel> {
    const hit = this.cache.get(key);
    if (hit) {
      // A Map iterates in insertion order: re-inserting makes this the most recently used entry.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.model;
    }
    // A cold build reads the store: a database that is down or frozen fails it as DATABASE_UNAVAILABLE, not a driver error.
    const entry: CacheEntry = { model: create().catch(rethrowDatabaseFailure), userId, usageKey };
    this.cache.set(key, entry);
    if (this.cache.size > this.options.modelCacheSize) this.cache.delete(this.cache.keys().next().value!);
    entry.model.then(
      (model) => {
        entry.platformIds = model.chain.map((info) => info.platformId);
        entry.modelIds = model.chain.map((info) => info.modelId);
      },
      // A failed build (missing key, unknown slot) is not remembered: the next call tries again.
      () => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      },
    );
    return entry.model;
  }

  private invalidate(change: ConfigChange): void {
    for (const [key, entry] of this.cache) {
      if (this.isAffected(entry, change)) this.cache.delete(key);
    }
  }

  private isAffected(entry: CacheEntry, change: ConfigChange): boolean {
    // An entry still being built may end up anywhere: drop it to be safe.
    if (entry.platformIds === undefined || entry.modelIds === undefined) return true;
    switch (change.kind) {
      case 'all':
        return true;
      case 'platform':
        return entry.platformIds.includes(change.platformId);
      case 'model':
        return entry.modelIds.includes(change.modelId);
      case 'user-key':
        return entry.userId === change.userId && entry.platformIds.includes(change.platformId);
      case 'selection':
        return entry.userId === change.userId && entry.usageKey === change.usageKey;
      case 'api-token':
      case 'budget':
      case 'rate-limit':
        return false;
    }
  }

  /**
   * A model of a slot's chain, or undefined when it cannot be built for this user (no key of hers for that platform):
   * the chain only adds to the slot's own model, so it goes on without it.
   */
  private async buildFallback(
    userId: string,
    usageKey: string,
    agentName: string | null,
    next: BoundModel,
    fallback: TrackedChatModel | undefined,
  ): Promise<TrackedChatModel | undefined> {
    try {
      return await this.build(userId, usageKey, agentName, next.platform, next.model, {}, fallback);
    } catch (error) {
      if (!(error instanceof LlmManagerError)) throw error;
      this.logger.warn(`Fallback ${next.platform.name}/${next.model.displayName} of slot '${usageKey}' left out for user ${userId}: ${error.message}`);
      return undefined;
    }
  }

  private async build(
    userId: string,
    usageKey: string | null,
    agentName: string | null,
    platform: PlatformEntity,
    model: ModelEntity,
    overrides: { timeoutMs?: number; maxRetries?: number } = {},
    fallback?: TrackedChatModel,
  ): Promise<TrackedChatModel> {
    const { apiKey, origin } = await this.keys.resolveFor(userId, platform);
    const timeoutMs = overrides.timeoutMs ?? this.options.requestTimeoutMs;
    const sink = this.recorder.sinkFor({
      userId, modelId: model.id, agentName, family: modelFamily(model.modelName),
      labels: { platform: platform.name, model: model.displayName }, usageKey, keyOrigin: origin,
    });
    return new TrackedChatModel(
      {
        model: model.modelName,
        apiKey: apiKey ?? KEYLESS_PLACEHOLDER,
        configuration: { baseURL: platform.baseUrl, ...this.fetchFor(platform) },
        // extra_body (M13): merged into the body of every request of this model.
        modelKwargs: requestExtraBody(platform, model),
        streamUsage: true,
        timeout: timeoutMs,
      },
      new CallTracker(sink, { platformName: platform.name, baseUrl: platform.baseUrl, apiKey: apiKey ?? undefined, timeoutMs }),
      new RetryLoop({ retries: overrides.maxRetries ?? this.options.maxRetries, ...this.options.retryBackoff }),
      {
        userId,
        usageKey,
        agentName,
        platformId: platform.id,
        platformName: platform.name,
        modelId: model.id,
        modelDisplayName: model.displayName,
        modelName: model.modelName,
        keyOrigin: origin,
      },
      this.usageSource(userId, model.id),
      new ModelHealth(this.cooldowns, {
        ...this.cooldowns.refFor(platform.id, apiKey),
        platformName: platform.name,
        modelName: model.displayName,
      }),
      fallback,
    );
  }

  /**
   * B8: a user's own platform has a base URL the user chose, so its requests go through the guarded fetch; system
   * platforms (YAML, admins) keep the SDK's default fetch.
   */
  private fetchFor(platform: PlatformEntity): { fetch?: UpstreamHttp['guardedFetch'] } {
    if (platform.ownerId === SYSTEM_USER_ID || this.options.allowPrivateBaseUrls) return {};
    return { fetch: this.http.guardedFetch };
  }

  private usageSource(userId: string, modelId: number): ModelUsageSource {
    return {
      last: (ms) => this.usage.summary({ userId, modelId, since: new Date(this.clock.now().getTime() - ms) }),
      range: (start, end) => this.usage.summary({ userId, modelId, since: start ?? undefined, until: end ?? undefined }),
    };
  }
}
