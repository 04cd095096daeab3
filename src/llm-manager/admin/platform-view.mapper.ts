import { Inject, Injectable } from '@nestjs/common';
import { SYSTEM_USER_ID, LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';
import { keyEnvRefusal } from '../common/key-env-policy';
import { KeyCooldowns } from '../cooldowns/key-cooldowns';
import { SecurityService } from '../security/security.service';
import type { KeySource, ModelView, PlatformView } from './platform.types';

/** Turns stored platforms into views: keys masked, usability worked out from where the key comes from. */
@Injectable()
export class PlatformViewMapper {
  constructor(
    private readonly security: SecurityService,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly cooldowns: KeyCooldowns,
  ) {}

  toViews(platforms: PlatformEntity[]): PlatformView[] {
    const firstOfOwner = new Set<string>();
    return platforms.map((platform) => {
      const isDefault = !firstOfOwner.has(platform.ownerId);
      firstOfOwner.add(platform.ownerId);
      return this.toView(platform, isDefault);
    });
  }

  toView(platform: PlatformEntity, isDefault: boolean): PlatformView {
    const key = this.describeKey(platform);
    return {
      id: platform.id,
      name: platform.name,
      baseUrl: platform.baseUrl,
      isSystem: platform.ownerId === SYSTEM_USER_ID,
      isDefault,
      sortOrder: platform.sortOrder,
      keySource: key.source,
      apiKeyEnv: platform.apiKeyEnv,
      maskedKey: key.masked,
      usable: key.unusableReason === null,
      unusableReason: key.unusableReason,
      enabled: platform.disabledAt === null,
      lastTest: platform.lastTestAt ? { at: new Date(platform.lastTestAt).toISOString(), ok: Boolean(platform.lastTestOk), detail: platform.lastTestDetail } : null,
      coolingUntil: this.coolingUntil(platform.id, key.plain),
      models: (platform.models ?? []).map((model) => this.toModelView(model)),
    };
  }

  /**
   * A platform as one user sees it (M5): on a system platform that needs a key, the user's own key makes it usable;
   * without one and without `autoKey`, calls fail with API_KEY_MISSING, so it is not usable and the system key's mask
   * (which would not pay for them) is not shown. The system user and private platforms are seen as stored. `ownKey`:
   * the user's own key for it, with that key's cooldown; null when the user has none.
   */
  asSeenBy(view: PlatformView, userId: string, ownKey: { coolingUntil: string | null } | null): PlatformView {
    if (!view.isSystem || userId === SYSTEM_USER_ID || view.keySource === 'none') return view;
    if (ownKey !== null) return { ...view, maskedKey: null, usable: true, unusableReason: null, coolingUntil: ownKey.coolingUntil };
    if (this.options.autoKey) return view;
    return {
      ...view,
      maskedKey: null,
      usable: false,
      coolingUntil: null,
      unusableReason:
        `No API key of yours for platform '${view.name}'. Save one with POST /api/ai/user/api-key ` +
        '(setUserPlatformKey), or ask the administrator to enable LLM_AUTO_KEY.',
    };
  }

  toModelView(model: ModelEntity): ModelView {
    return {
      id: model.id,
      platformId: model.platformId,
      displayName: model.displayName,
      modelName: model.modelName,
      extraBody: model.extraBody,
      inputPrice: model.inputPrice,
      cachedInputPrice: model.cachedInputPrice,
      outputPrice: model.outputPrice,
    };
  }

  /** The mask of the stored key, used to recognise an edit that sends the mask back unchanged. */
  maskOf(platform: PlatformEntity): string | null {
    return this.describeKey(platform).masked;
  }

  /** When calls with this key to this platform are skipped until (issue 18), as an ISO instant; null: they are not. */
  coolingUntil(platformId: number, apiKey: string | null): string | null {
    return this.cooldowns.knownCoolingIso(platformId, apiKey);
  }

  private describeKey(platform: PlatformEntity): {
    source: KeySource;
    masked: string | null;
    unusableReason: string | null;
    /** The key itself, only to look up its cooldown. */
    plain: string | null;
  } {
    if (platform.apiKeyEnc) {
      const plain = this.security.decrypt(platform.apiKeyEnc, `platform '${platform.name}'`);
      return { source: 'encrypted', masked: this.security.mask(plain), unusableReason: null, plain };
    }
    if (platform.apiKeyEnv) {
      const refusal = keyEnvRefusal(platform.apiKeyEnv, this.options.keyEnvAllow);
      if (refusal !== null) {
        const unusableReason = `${refusal} Save a key for platform '${platform.name}' or name an allowed variable.`;
        return { source: 'env', masked: null, unusableReason, plain: null };
      }
      const value = this.options.env[platform.apiKeyEnv];
      return value
        ? { source: 'env', masked: this.security.mask(value), unusableReason: null, plain: value }
        : {
            source: 'env',
            masked: null,
            plain: null,
            unusableReason:
              `Environment variable ${platform.apiKeyEnv} is not set. Set it and restart, ` +
              `or save an API key for platform '${platform.name}'.`,
          };
    }
    // Keyless endpoints such as a local Ollama are legitimate, but "needs no key" is not "something listens there".
    if (platform.answeredAt) return { source: 'none', masked: null, unusableReason: null, plain: null };
    return {
      source: 'none',
      masked: null,
      plain: null,
      unusableReason:
        `Platform '${platform.name}' needs no key but has not answered at ${platform.baseUrl} yet. Once it runs, test ` +
        'one of its models (POST /api/ai/admin/test-model, or the console) or probe it, and it counts as usable.',
    };
  }
}
