import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { keyEnvRefusal } from '../common/key-env-policy';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE, SYSTEM_USER_ID } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import type { PlatformEntity } from '../database/platform.entity';
import { SysPlatformKeyEntity } from '../database/sys-platform-key.entity';
import { SecurityService } from '../security/security.service';

/** Which key pays for a call (M5). `none`: the endpoint needs no key (a local Ollama). */
export type KeyOrigin = 'user' | 'platform' | 'system-auto' | 'none';

export interface ResolvedKey {
  apiKey: string | null;
  origin: KeyOrigin;
}

/**
 * M5 in one place: for a user on a system platform, the user's own key, then the system key only when `autoKey`
 * (`LLM_AUTO_KEY`) is on, then a clear `API_KEY_MISSING`. The system user and owners of private platforms use the
 * platform's own key.
 */
@Injectable()
export class KeyResolver {
  constructor(
    @InjectRepository(SysPlatformKeyEntity, LLM_MGR_DATA_SOURCE) private readonly userKeys: Repository<SysPlatformKeyEntity>,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly security: SecurityService,
  ) {}

  async resolveFor(userId: string, platform: PlatformEntity): Promise<ResolvedKey> {
    const isSystemPlatform = platform.ownerId === SYSTEM_USER_ID;
    if (!isSystemPlatform || userId === SYSTEM_USER_ID) return this.platformKey(platform, 'platform');

    const own = await this.userKeys.findOneBy({ userId, platformId: platform.id });
    if (own) return { apiKey: this.security.decrypt(own.apiKeyEnc, `your key for platform '${platform.name}'`), origin: 'user' };
    // A keyless system endpoint costs the operator nothing, so it needs no auto-key permission.
    if (!platform.apiKeyEnc && !platform.apiKeyEnv) return { apiKey: null, origin: 'none' };
    if (this.options.autoKey) return this.platformKey(platform, 'system-auto');
    throw new LlmManagerError(
      'API_KEY_MISSING',
      `No API key for platform '${platform.name}'. Save your own key for it (setUserPlatformKey, or ` +
        `POST /api/ai/user/api-key), or ask the administrator to enable LLM_AUTO_KEY so the system key is used.`,
      { details: { platformId: platform.id, platform: platform.name } },
    );
  }

  private platformKey(platform: PlatformEntity, origin: KeyOrigin): ResolvedKey {
    if (platform.apiKeyEnc) {
      return { apiKey: this.security.decrypt(platform.apiKeyEnc, `platform '${platform.name}'`), origin };
    }
    if (platform.apiKeyEnv) {
      // Stored before the rule existed (or by a host writing rows itself): refused here too, never sent.
      const refusal = keyEnvRefusal(platform.apiKeyEnv, this.options.keyEnvAllow);
      if (refusal !== null) {
        throw new LlmManagerError(
          'CONFIG_INVALID',
          `Platform '${platform.name}' reads its API key from ${refusal} Save the platform's key ` +
            '(PUT /api/ai/admin/sys-platform with apiKey) or name an allowed variable (apiKeyEnv).',
          { details: { platformId: platform.id, platform: platform.name, variable: platform.apiKeyEnv } },
        );
      }
      const value = this.options.env[platform.apiKeyEnv];
      if (value) return { apiKey: value, origin };
      throw new LlmManagerError(
        'API_KEY_MISSING',
        `No API key for platform '${platform.name}': environment variable ${platform.apiKeyEnv} is not set. ` +
          `Set it (environment or .env) and restart, or save a key for the platform in the console or admin API.`,
        { details: { platformId: platform.id, platform: platform.name } },
      );
    }
    return { apiKey: null, origin: 'none' };
  }
}
