import { keyEnvRefusal } from '../common/key-env-policy';
import { LlmManagerError } from '../common/llm-manager.error';
import type { YamlConfig } from './yaml-config';

/**
 * The `{ENV}` placeholders of a loaded YAML against the allow rule (`LLM_MGR_KEY_ENV_ALLOW`, never llm-mgr's own
 * secrets). Separate from the loader, which checks shape only and knows no options. `CONFIG_INVALID` names the file,
 * the platform and the variable, never its value.
 */
export function assertYamlKeyEnvsAllowed(config: YamlConfig, allow: RegExp, file: string): void {
  for (const platform of config.platforms) {
    if (platform.apiKey.kind !== 'env') continue;
    const variable = platform.apiKey.variable;
    const refusal = keyEnvRefusal(variable, allow);
    if (refusal === null) continue;
    throw new LlmManagerError(
      'CONFIG_INVALID',
      `${file}: platform '${platform.name}' has api_key '{${variable}}': ${refusal} Reference the variable that holds ` +
        "the provider's key (e.g. '{DEEPSEEK_API_KEY}'), or save the key encrypted (ENC:v1:).",
      { details: { file, path: ['platforms', platform.name, 'api_key'], platform: platform.name, variable } },
    );
  }
}
