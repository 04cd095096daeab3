import { Inject, Injectable } from '@nestjs/common';
import { readFileSync, statSync } from 'fs';
import { parseDocument, type Document } from 'yaml';
import { replaceFileAtomically } from '../../../cli/support/durable-file';
import { ModelProbeService, type ModelTestResult } from '../../../llm-manager/builder/model-probe.service';
import { ENV_VAR_PATTERN, requireBaseUrl } from '../../../llm-manager/common/input-rules';
import { keyEnvRefusal, requireAllowedKeyEnv } from '../../../llm-manager/common/key-env-policy';
import { LlmManagerError } from '../../../llm-manager/common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../../../llm-manager/llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../../../llm-manager/llm-manager.options';
import { SecurityService } from '../../../llm-manager/security/security.service';
import type { YamlConfig, YamlPlatform } from '../../../llm-manager/yaml-sync/yaml-config';
import { assertYamlKeyEnvsAllowed } from '../../../llm-manager/yaml-sync/yaml-config.key-env';
import { loadYamlConfig, parseYamlConfig } from '../../../llm-manager/yaml-sync/yaml-config.loader';
import { YamlSyncService } from '../../../llm-manager/yaml-sync/yaml-sync.service';
import { setApiKey, updatePlatform } from './yaml-document-edits';
import type { YamlKeyMode, YamlModeView, YamlPlatformView } from './yaml-mode.types';
import { errorMessage } from '../../../llm-manager/common/error-message';

/** What a key form sends: the key in clear text for `encrypted`/`plain`, a variable name for `env`. */
export interface YamlKeyInput {
  mode: YamlKeyMode;
  apiKey?: string;
  apiKeyEnv?: string;
  confirmPlaintext?: boolean;
}

/**
 * YAML mode of the console (M7): reads `llm_mgr_cfg.yaml` and writes edits back to it. Every write validates the
 * whole new text with the same loader the start-up uses and replaces the file atomically, so the file is never left
 * half-valid; the database is not touched (edits apply on restart or on a reset from YAML).
 */
@Injectable()
export class YamlModeService {
  constructor(
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly security: SecurityService,
    private readonly probes: ModelProbeService,
    private readonly sync: YamlSyncService,
  ) {}

  view(): YamlModeView {
    return this.toView(loadYamlConfig(this.path), []);
  }

  /** Applies `change` to the parsed file, validates the result and writes it; returns the new view. */
  edit(change: (doc: Document) => string[] | void): YamlModeView {
    loadYamlConfig(this.path); // a file that is already broken is fixed by hand first: the message says where
    const doc = parseDocument(readFileSync(this.path, 'utf8'), { uniqueKeys: false });
    const removed = change(doc) ?? [];
    const text = doc.toString({ lineWidth: 0 });
    const config = parseYamlConfig(text, this.path);
    assertYamlKeyEnvsAllowed(config, this.options.keyEnvAllow, this.path);
    replaceFileAtomically(this.path, text, statSync(this.path).mode & 0o777);
    return this.toView(config, removed);
  }

  /** Sets a platform's `api_key` as an `ENC:v1:` value, an `{ENV}` placeholder, plain text (confirmed) or none. */
  setKey(platform: string, input: YamlKeyInput): YamlModeView {
    const value = this.keyText(input);
    return this.edit((doc) => setApiKey(doc, platform, value));
  }

  /** Renames a platform or moves it to another base_url; a platform with an api_key is not moved. */
  async updatePlatform(name: string, patch: { name?: string; baseUrl?: string }): Promise<YamlModeView> {
    const found = this.find(loadYamlConfig(this.path), name);
    // The database's rule too: a key is only ever sent to the URL it was saved for.
    if (patch.baseUrl !== undefined && requireBaseUrl(patch.baseUrl) !== found.baseUrl && found.apiKey.kind !== 'none') {
      throw new LlmManagerError(
        'VALIDATION_FAILED',
        `baseUrl: platform '${name}' has an api_key, saved for ${found.baseUrl}; it is never sent to another address. ` +
          'Remove the key (api-key mode none), change the base_url, then set the key again.',
        { details: { field: 'baseUrl' } },
      );
    }
    const view = this.edit((doc) => updatePlatform(doc, name, patch));
    // The next start renames the database's platform rather than adding a second one beside it.
    if (patch.name !== undefined && patch.name !== name) await this.sync.recordRename(name, patch.name);
    return view;
  }

  /**
   * Lists the models of a YAML platform with its own key, or with the URL and key given instead. Its own key goes to
   * its own base URL only: another URL is probed with the key sent along, or with none.
   */
  async probe(platform: string, override: { baseUrl?: string; apiKey?: string }): Promise<string[]> {
    const found = this.find(loadYamlConfig(this.path), platform);
    const baseUrl = override.baseUrl ?? found.baseUrl;
    const ownUrl = requireBaseUrl(baseUrl) === found.baseUrl;
    return this.probes.probePlatformModels(baseUrl, override.apiKey || (ownUrl ? this.keyOf(found) : null));
  }

  /** Tests a model with the file's URL and key: what a restart or a reset would call. */
  async testModel(platform: string, displayName: string): Promise<ModelTestResult> {
    const found = this.find(loadYamlConfig(this.path), platform);
    const model = found.models.find((candidate) => candidate.displayName === displayName);
    if (!model) {
      throw new LlmManagerError('MODEL_NOT_FOUND', `Platform '${platform}' has no model '${displayName}' in the YAML.`, {
        details: { platform, model: displayName },
      });
    }
    return this.probes.testEndpoint({ baseUrl: found.baseUrl, apiKey: this.keyOf(found), modelName: model.modelName, extraBody: model.extraBody });
  }

  private get path(): string {
    return this.options.configPath;
  }

  private keyText(input: YamlKeyInput): string | null {
    switch (input.mode) {
      case 'none':
        return null;
      case 'env':
        if (!input.apiKeyEnv || !ENV_VAR_PATTERN.test(input.apiKeyEnv)) {
          throw new LlmManagerError('VALIDATION_FAILED', 'apiKeyEnv: name an environment variable such as DEEPSEEK_API_KEY.', {
            details: { field: 'apiKeyEnv' },
          });
        }
        return `{${requireAllowedKeyEnv(input.apiKeyEnv, this.options.keyEnvAllow)}}`;
      case 'encrypted':
      case 'plain': {
        const key = input.apiKey?.trim();
        if (!key || /\s/.test(key)) {
          throw new LlmManagerError('VALIDATION_FAILED', 'apiKey: enter the API key (no spaces or line breaks).', { details: { field: 'apiKey' } });
        }
        if (input.mode === 'encrypted') return this.security.encrypt(key);
        if (input.confirmPlaintext !== true) {
          throw new LlmManagerError(
            'VALIDATION_FAILED',
            'Writing an API key in plain text into the YAML exposes it to anyone who can read the file, its backups or ' +
              'its version history. Save it encrypted or as an {ENV} placeholder instead, or confirm plain text ' +
              '(confirmPlaintext: true).',
            { details: { field: 'confirmPlaintext' } },
          );
        }
        return key;
      }
    }
  }

  private find(config: YamlConfig, name: string): YamlPlatform {
    const platform = config.platforms.find((candidate) => candidate.name === name);
    if (!platform) throw new LlmManagerError('PLATFORM_NOT_FOUND', `The YAML has no platform '${name}'.`);
    return platform;
  }

  private keyOf(platform: YamlPlatform): string | null {
    const key = platform.apiKey;
    switch (key.kind) {
      case 'none':
        return null;
      case 'env': {
        const refusal = keyEnvRefusal(key.variable, this.options.keyEnvAllow);
        if (refusal !== null) {
          throw new LlmManagerError('CONFIG_INVALID', `Platform '${platform.name}' in the YAML: ${refusal}`, {
            details: { platform: platform.name, variable: key.variable },
          });
        }
        return this.options.env[key.variable] || null;
      }
      case 'encrypted':
        return this.security.decrypt(key.envelope, `platform '${platform.name}' in the YAML`);
      case 'plain':
        return key.value;
    }
  }

  private toView(config: YamlConfig, removedUsages: string[]): YamlModeView {
    return {
      path: this.path,
      platforms: config.platforms.map((platform, index) => this.platformView(platform, index === 0)),
      usages: config.usages.map(({ usageKey, platform, model }) => ({ usageKey, platform, model })),
      warnings: config.warnings.map((warning) => warning.message),
      warningDetails: config.warnings,
      removedUsages,
    };
  }

  private platformView(platform: YamlPlatform, isDefault: boolean): YamlPlatformView {
    const key = platform.apiKey;
    let maskedKey: string | null = null;
    let keyProblem: string | null = null;
    if (key.kind === 'plain') maskedKey = this.security.mask(key.value);
    if (key.kind === 'encrypted') {
      try {
        maskedKey = this.security.mask(this.security.decrypt(key.envelope, `platform '${platform.name}' in the YAML`));
      } catch (error: unknown) {
        keyProblem = errorMessage(error);
      }
    }
    return {
      name: platform.name,
      baseUrl: platform.baseUrl,
      isDefault,
      keySource: key.kind,
      apiKeyEnv: key.kind === 'env' ? key.variable : null,
      maskedKey,
      keyProblem,
      models: platform.models.map(({ displayName, modelName, extraBody, inputPrice, cachedInputPrice, outputPrice }) => ({
        displayName,
        modelName,
        extraBody,
        inputPrice,
        cachedInputPrice,
        outputPrice,
      })),
    };
  }
}
