import type { LlmManagerOptions, ResolvedLlmManagerOptions } from '../llm-manager.options';
import { readEnvFile } from './env-file';
import { isManagerSecret } from './key-env-policy';

/**
 * A host that did not pass `env` gets its `.env` (`envFilePath`) under `process.env` for `{DEEPSEEK_API_KEY}`-style
 * placeholders, as every message promises ("set it in the environment or .env") and as the standalone server and
 * the CLI do. The process environment wins; a host that passes `env` decides alone. `LLM_KEY` keeps its own lookup
 * (`resolveMasterKey`), which reads `.env` itself.
 */
export function withHostEnvFile(given: LlmManagerOptions, resolved: ResolvedLlmManagerOptions): ResolvedLlmManagerOptions {
  if (given.env !== undefined) return resolved;
  const fromFile = Object.entries(readEnvFile(resolved.envFilePath)).filter(([name]) => !isManagerSecret(name));
  // Nothing to add: keep the live process.env rather than a copy of it.
  if (fromFile.length === 0) return resolved;
  return { ...resolved, env: { ...Object.fromEntries(fromFile), ...resolved.env } };
}
