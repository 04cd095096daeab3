import { Injectable } from '@nestjs/common';
import { LlmBuilderService } from '../builder/llm-builder.service';
import type { TrackedChatModel } from '../builder/tracked-chat-model';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { LlmManagerError } from '../common/llm-manager.error';
import { modelFamily } from '../usage/token-estimator';
import type { UpstreamRoute } from './upstream-route';

/**
 * What a request's `model` names, for one user: a usage slot (`main`, `fast`, `reason`, custom ones) resolves through
 * `getUserLlm(user, { usageKey, agentName })` itself (self-repair, key choice, B8 guard and the warm cache included);
 * `platform/model` (display names) through the same builder, for a platform the user may see. Slot names never hold
 * a `/` (USAGE_KEY_PATTERN), so the two cannot be confused.
 */
@Injectable()
export class GatewayRoutes {
  constructor(
    private readonly builder: LlmBuilderService,
    private readonly catalogue: CatalogueReader,
  ) {}

  async resolve(userId: string, model: string, agentName: string | null): Promise<UpstreamRoute> {
    const opts = agentName === null ? {} : { agentName };
    const built = model.includes('/')
      ? await this.byDisplayNames(userId, model, agentName)
      : await this.builder.getUserLlm(userId, { usageKey: model, ...opts });
    return routeOf(built);
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
  const { info } = built;
  const apiKey = typeof built.apiKey === 'string' ? built.apiKey : null;
  return {
    baseUrl: String(built.clientConfig.baseURL),
    apiKey,
    modelName: info.modelName,
    extraBody: built.modelKwargs ?? null,
    guardedFetch: built.clientConfig.fetch ?? null,
    billing: { userId: info.userId, modelId: info.modelId, agentName: info.agentName, family: modelFamily(info.modelName) },
  };
}
