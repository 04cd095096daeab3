import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LlmBuilderService } from '../builder/llm-builder.service';
import type { TrackedChatModel } from '../builder/tracked-chat-model';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { ConfigChanges } from '../common/config-changes';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { modelFamily } from '../usage/token-estimator';
import type { UpstreamRoute } from './upstream-route';

/**
 * What a request's `model` names, for one user: a usage slot (`main`, `fast`, `reason`, custom ones) resolves through
 * `getUserLlm(user, { usageKey, agentName })` itself (self-repair, key choice, B8 guard and the warm cache included);
 * `platform/model` (display names) through the same builder, for a platform the user may see. Slot names never hold
 * a `/` (USAGE_KEY_PATTERN), so the two cannot be confused.
 *
 * Slots are kept warm by the builder's cache. `platform/model` routes are kept here, at most `modelCacheSize` (least
 * recently used dropped first), all dropped on any configuration change: a warm call makes no database round trip.
 */
@Injectable()
export class GatewayRoutes implements OnModuleDestroy {
  private readonly named = new Map<string, Promise<UpstreamRoute>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly builder: LlmBuilderService,
    private readonly catalogue: CatalogueReader,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    changes: ConfigChanges,
  ) {
    this.unsubscribe = changes.subscribe((change) => {
      if (change.kind !== 'api-token') this.named.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * Where a request naming `model` goes. For chat (`chain: true`) a slot's whole chain as a call would try it now:
   * models whose platform key cools down left out (issue 18). Embeddings take the slot's own model only (`chain:
   * false`): its fallbacks are chat models, and one cooling down must not send embeddings to them.
   */
  async resolve(userId: string, model: string, agentName: string | null, chain = true): Promise<UpstreamRoute> {
    if (model.includes('/')) return this.namedRoute(userId, model, agentName);
    const slot = await this.builder.getUserLlm(userId, { usageKey: model, ...(agentName === null ? {} : { agentName }) });
    if (!chain) return routeOf(slot);
    const [built, ...fallbacks] = await slot.modelsInTurn();
    return { ...routeOf(built!), fallbacks: fallbacks.map(routeOf) };
  }

  private namedRoute(userId: string, model: string, agentName: string | null): Promise<UpstreamRoute> {
    const key = `${userId}\u0000${model}\u0000${agentName ?? ''}`;
    const hit = this.named.get(key);
    // Re-inserted on a hit: a Map iterates in insertion order, so the first key is the least recently used.
    this.named.delete(key);
    const route = hit ?? this.byDisplayNames(userId, model, agentName).then(routeOf);
    this.named.set(key, route);
    if (this.named.size > this.options.modelCacheSize) this.named.delete(this.named.keys().next().value!);
    // A failed resolution (unknown name, missing key) is not remembered.
    if (!hit) route.catch(() => this.named.get(key) === route && this.named.delete(key));
    return route;
  }

  private async byDisplayNames(userId: string, name: string, agentName: string | null): Promise<TrackedChatModel> {
    const platforms = await this.catalogue.visiblePlatforms(userId);
    // Platform names may hold a `/` themselves: try every split, the first platform in the user's order wins.
    for (let cut = name.indexOf('/'); cut !== -1; cut = name.indexOf('/', cut + 1)) {
      const platformName = name.slice(0, cut);
      const displayName = name.slice(cut + 1);
      for (const platform of platforms) {
        if (platform.name !== platformName) continue;
        const model = platform.models?.find((m) => m.displayName === displayName);
        if (model) return this.builder.buildFor(userId, platform, model, agentName);
      }
    }
    throw new LlmManagerError(
      'MODEL_NOT_FOUND',
      `No model '${name}' you may use. Name a usage slot (main, fast, reason or one of yours) or 'platform/model' ` +
        'with display names; GET /v1/models lists them.',
      { details: { model: name } },
    );
  }
}

/** The upstream call a built model would make: its base URL, key, model id, extra_body and fetch. */
function routeOf(built: TrackedChatModel): UpstreamRoute {
  return { ...targetOf(built), fallbacks: [] };
}

/**
 * A built model's target, read once per model: the builder keeps models warm and builds new ones on any change, so
 * what a model targets never changes (the routes are read-only downstream; the recorder copies what it keeps).
 */
const targets = new WeakMap<TrackedChatModel, Omit<UpstreamRoute, 'fallbacks'>>();

function targetOf(built: TrackedChatModel): Omit<UpstreamRoute, 'fallbacks'> {
  let target = targets.get(built);
  if (target === undefined) {
    target = readTarget(built);
    targets.set(built, target);
  }
  return target;
}

function readTarget(built: TrackedChatModel): Omit<UpstreamRoute, 'fallbacks'> {
  const { info } = built;
  // A keyless platform's model holds LangChain's placeholder key: the gateway sends no Authorization header at all.
  const apiKey = info.keyOrigin !== 'none' && typeof built.apiKey === 'string' ? built.apiKey : null;
  return {
    baseUrl: String(built.clientConfig.baseURL),
    apiKey,
    modelName: info.modelName,
    extraBody: built.modelKwargs ?? null,
    guardedFetch: built.clientConfig.fetch ?? null,
    billing: {
      userId: info.userId, modelId: info.modelId, agentName: info.agentName, family: modelFamily(info.modelName),
      labels: { platform: info.platformName, model: info.modelDisplayName }, usageKey: info.usageKey, keyOrigin: info.keyOrigin,
    },
    health: built.health,
  };
}
