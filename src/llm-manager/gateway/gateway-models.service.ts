import { Injectable } from '@nestjs/common';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { KeyResolver } from '../catalogue/key-resolver';
import { LlmManagerError } from '../common/llm-manager.error';
import type { PlatformEntity } from '../database/platform.entity';
import { UserSelectionService } from '../user-selection/user-selection.service';
import type { GatewayCaller } from './gateway-caller';

/** One entry of `GET /v1/models`, in OpenAI's shape. */
export interface GatewayModel {
  id: string;
  object: 'model';
  /** Epoch seconds the platform was added. */
  created: number;
  /** The platform's display name. */
  owned_by: string;
}

export interface GatewayModelList {
  object: 'list';
  data: GatewayModel[];
}

/**
 * What a caller may name as `model`: its usage slots first (`main`, `fast`, `reason`, custom ones; each bound to a
 * model), then `platform/model` display names of every platform it can see, in the catalogue's order; only the
 * names its token may use, and only on platforms it can call: a system platform that needs a key the user has not
 * saved (and `autoKey` off), or whose key variable is unset or refused, is left out with the slots bound to it.
 */
@Injectable()
export class GatewayModelsService {
  constructor(
    private readonly selections: UserSelectionService,
    private readonly catalogue: CatalogueReader,
    private readonly keys: KeyResolver,
  ) {}

  async list(caller: GatewayCaller): Promise<GatewayModelList> {
    const userId = caller.userId;
    const platforms = await this.callable(userId, await this.catalogue.visiblePlatforms(userId));
    const created = new Map(platforms.map((p) => [p.id, Math.floor(p.createdAt.getTime() / 1000)]));
    const slots = (await this.selections.listSlots(userId))
      .filter((slot) => slot.platform_id !== null && created.has(slot.platform_id))
      .map((slot): GatewayModel => ({ id: slot.usage_key, object: 'model', created: created.get(slot.platform_id!)!, owned_by: slot.platform_name ?? '' }));
    const named = platforms.flatMap((platform) =>
      (platform.models ?? []).map((model): GatewayModel => ({
        id: `${platform.name}/${model.displayName}`,
        object: 'model',
        created: created.get(platform.id)!,
        owned_by: platform.name,
      })),
    );
    return { object: 'list', data: [...slots, ...named].filter((model) => caller.mayUse(model.id)) };
  }

  /** The platforms whose key resolves for `userId`, as a call would resolve it (M5). */
  private async callable(userId: string, platforms: PlatformEntity[]): Promise<PlatformEntity[]> {
    const callable = await Promise.all(platforms.map(async (platform) => {
      try {
        await this.keys.resolveFor(userId, platform);
        return true;
      } catch (error) {
        if (error instanceof LlmManagerError && (error.code === 'API_KEY_MISSING' || error.code === 'CONFIG_INVALID')) return false;
        throw error;
      }
    }));
    return platforms.filter((_, index) => callable[index]);
  }
}
