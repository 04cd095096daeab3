import type { YamlWarning } from './yaml-warning';
import type { YamlRateLimits } from './yaml-config.rate-limits';
import type { AutoKeyBudget } from '../budgets/auto-key-budget';

/**
 * Where the API key of a YAML platform comes from. The loader only checks the shape; resolving an `{ENV_VAR}` or
 * decrypting an `ENC:v1:` envelope is the job of the sync and security modules.
 */
export type YamlApiKey =
  /** No `api_key`: the platform needs none (e.g. a local Ollama). */
  | { kind: 'none' }
  /** `'{DEEPSEEK_API_KEY}'`: read from this environment variable at sync time. */
  | { kind: 'env'; variable: string }
  /** `ENC:v1:…`: encrypted with the master key `LLM_KEY`. */
  | { kind: 'encrypted'; envelope: string }
  /** A plain-text key: accepted, with a warning in {@link YamlConfig.warnings}. */
  | { kind: 'plain'; value: string };

/** One model of a YAML platform, from either the short form (`Name: model-id`) or the full form. */
export interface YamlModel {
  /** The key in `models:`, shown to users and used by `getSpecSysLlm()`. */
  displayName: string;
  /** The model id sent upstream (`model_name`, or the value of the short form). */
  modelName: string;
  /** Merged into every request body of this model; `null` when absent. */
  extraBody: Record<string, unknown> | null;
  /** USD per 1M input tokens; `null` when absent. */
  inputPrice: number | null;
  /** USD per 1M cached input tokens (`cached_input_price`); `null` when absent: cached tokens cost `inputPrice`. */
  cachedInputPrice: number | null;
  /** USD per 1M output tokens; `null` when absent. */
  outputPrice: number | null;
}

/** One system platform: an OpenAI-compatible endpoint with its key and models, in file order. */
export interface YamlPlatform {
  /** The key in `platforms:`, unique among system platforms. */
  name: string;
  /** `base_url` without trailing `/`. */
  baseUrl: string;
  apiKey: YamlApiKey;
  /** In file order. */
  models: YamlModel[];
}

/** A model of the same file, by the display names of its platform and itself. */
export interface YamlModelRef {
  /** A {@link YamlPlatform.name} of the same file. */
  platform: string;
  /** A {@link YamlModel.displayName} on that platform. */
  model: string;
}

/** A system binding of a usage slot (`main`, `fast`, …) to a model, and the models it falls back to, in order. */
export interface YamlUsage extends YamlModelRef {
  usageKey: string;
  fallbacks: YamlModelRef[];
}

/** A validated `llm_mgr_cfg.yaml`. Platforms keep the file order: the first one is the default. */
export interface YamlConfig {
  platforms: YamlPlatform[];
  usages: YamlUsage[];
  /** `rate_limits:` (issue 18); read on start, like the rest of the file. */
  rateLimits: YamlRateLimits;
  /** `auto_key_budget:`, the budget of users spending the system's keys (LLM_AUTO_KEY); `null` when absent. */
  autoKeyBudget: AutoKeyBudget | null;
  /** Problems that do not stop loading (plain-text keys), each with a code; they never contain a secret. */
  warnings: YamlWarning[];
}
