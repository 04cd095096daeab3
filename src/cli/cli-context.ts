import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LlmManagerOptions, ResolvedLlmManagerOptions } from '../llm-manager/llm-manager.options';
import { resolveOptions } from '../llm-manager/llm-manager.options';
import { flag, text, type ParsedArgs } from './cli-args';
import { configError } from './cli-exit';
import type { CliIo } from './cli-io';
import { errorMessage } from '../llm-manager/common/error-message';

/** Everything a command needs about where it runs; built once per invocation. */
export interface CliContext {
  io: CliIo;
  cwd: string;
  debug: boolean;
  /** Absolute path of the `.env` file (read for variables; written by `init` and `rotate-key`). */
  envFile: string;
  /** The process environment alone: tells a key set there (which overrides `.env`) from one in `.env`. */
  processEnv: Readonly<Record<string, string | undefined>>;
  /** `.env` under the process environment, as the standalone server merges them; what the library reads. */
  env: Readonly<Record<string, string | undefined>>;
  /** The library's options as a start of the library would resolve them (LLM_KEY, LLM_MGR_DATABASE_URL, …). */
  options: ResolvedLlmManagerOptions;
  /** Values that must never reach the terminal: error output is masked with them. Commands add new keys. */
  secrets: string[];
}

/** Options for `LlmManagerModule.forRoot()` from the CLI: this environment, and never a silently generated key. */
export function libraryOptions(ctx: CliContext, overrides: LlmManagerOptions = {}): LlmManagerOptions {
  return { env: { ...ctx.env }, envFilePath: ctx.envFile, generateMasterKey: false, ...overrides };
}

/**
 * Reads `.env` (the process environment wins, as in the standalone server) and resolves the library's options.
 * @throws CliError (config) when `.env` cannot be read or a variable has a malformed value.
 */
export function createContext(
  io: CliIo,
  args: ParsedArgs,
  processEnv: Readonly<Record<string, string | undefined>>,
  cwd: string,
): CliContext {
  const envFile = resolve(cwd, text(args, 'dotenv') ?? text(args, 'env-file') ?? '.env');
  const env = { ...readEnvFile(envFile), ...processEnv };
  let options: ResolvedLlmManagerOptions;
  try {
    options = resolveOptions({ env, envFilePath: envFile, generateMasterKey: false });
  } catch (error: unknown) {
    throw configError(errorMessage(error), error);
  }
  const secrets = [options.masterKey ?? '', databasePassword(env.LLM_MGR_DATABASE_URL)].filter((s) => s.length > 0);
  return { io, cwd, debug: flag(args, 'debug'), envFile, processEnv, env, options, secrets };
}

/** The variables of a `.env` file; `{}` when there is none. */
export function readEnvFile(envFile: string): Record<string, string> {
  let content: string;
  try {
    content = readFileSync(envFile, 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw configError(`Cannot read ${envFile}: ${code}. Fix its permissions.`, error);
  }
  return parseDotenv(content);
}

function databasePassword(url: string | undefined): string {
  if (!url || !/^[a-z]+:\/\//i.test(url)) return '';
  // Not a URL the driver could use either: the driver reports it, and there is no password to hide.
  if (!URL.canParse(url)) return '';
  const raw = new URL(url).password;
  try {
    return decodeURIComponent(raw);
  } catch (error: unknown) {
    if (error instanceof URIError) return raw;
    throw error;
  }
}
