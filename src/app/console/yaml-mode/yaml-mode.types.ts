import type { YamlWarning } from '../../../llm-manager/yaml-sync/yaml-warning';

/** Where a YAML platform's key comes from; `plain` is a key written in clear text (warned). */
export type YamlKeySource = 'encrypted' | 'plain' | 'env' | 'none';

export interface YamlModelView {
  displayName: string;
  modelName: string;
  extraBody: Record<string, unknown> | null;
  inputPrice: number | null;
  cachedInputPrice: number | null;
  outputPrice: number | null;
}

/** A platform of `llm_mgr_cfg.yaml` as the console shows it: the key only ever masked. */
export interface YamlPlatformView {
  name: string;
  baseUrl: string;
  /** The first platform of the file is the default. */
  isDefault: boolean;
  keySource: YamlKeySource;
  apiKeyEnv: string | null;
  /** `sk-…abcd` for an encrypted or plain key; null otherwise. */
  maskedKey: string | null;
  /** Set when an `ENC:` value does not open with the LLM_KEY in force. */
  keyProblem: string | null;
  models: YamlModelView[];
}

export interface YamlUsageView {
  usageKey: string;
  platform: string;
  model: string;
}

/** The whole file, validated by the loader; edits apply when the server restarts (or on a reset from YAML). */
export interface YamlModeView {
  path: string;
  platforms: YamlPlatformView[];
  usages: YamlUsageView[];
  /** The loader's warnings (plain-text keys), never holding a key. */
  warnings: string[];
  /** The same warnings with their codes and details, for the console to translate. */
  warningDetails: YamlWarning[];
  /** System bindings removed with the platform or model just deleted. */
  removedUsages: string[];
}

/** How `POST …/yaml/platforms/:name/api-key` stores the key. */
export type YamlKeyMode = 'encrypted' | 'plain' | 'env' | 'none';
