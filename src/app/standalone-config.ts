import type { LoggerService } from '@nestjs/common';
import { isAbsolute, resolve } from 'path';
import { LlmManagerError } from '../llm-manager/common/llm-manager.error';
import { resolveOptions, type LlmManagerDatabaseOptions, type LlmManagerOptions } from '../llm-manager/llm-manager.options';
import { ADMIN_TOKEN_VARIABLE } from './auth/admin-token';
import { readEnvFile } from '../llm-manager/common/env-file';

/** How the standalone server is started; `main.ts` passes nothing, tests point everything at a temp folder. */
export interface StandaloneAppOptions {
  /** Folder where the relative paths live: `.env`, `llm_config.db`, `llm_mgr_cfg.yaml`. Default: `process.cwd()`. */
  cwd?: string;
  /** The `.env` read for variables and written with generated secrets. Default: `.env` in `cwd`. */
  envFile?: string;
  /** The process environment; it wins over `.env`. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Options of `LlmManagerModule` that override what the environment gives. Default: none. */
  llmManager?: LlmManagerOptions;
  /** Receives every log line, start-up lines included. Default: Nest's console logger. */
  logger?: LoggerService;
}

/** Everything the server needs to start, read once. */
export interface StandaloneConfig {
  envFile: string;
  /** `LLM_MGR_ADMIN_TOKEN` of the process environment, if set (`.env` is read by `resolveAdminToken()`). */
  adminTokenFromEnv: string | undefined;
  port: number;
  /** Options for `LlmManagerModule`, paths made absolute against `cwd`; `resolveIdentity` is added by the app. */
  llmManager: LlmManagerOptions;
}

/**
 * The standalone server's one place for its environment: `.env` under the process environment (as dotenv does, but
 * without writing into `process.env`), `PORT`, `LLM_MGR_ADMIN_TOKEN`. The library's own variables (`LLM_KEY`,
 * `LLM_MGR_DATABASE_URL`, …) stay the library's to read: the merged environment is handed to it as `env`.
 */
export function resolveStandaloneConfig(options: StandaloneAppOptions = {}): StandaloneConfig {
  const cwd = resolve(options.cwd ?? process.cwd());
  const processEnv = options.env ?? process.env;
  const envFile = resolve(cwd, options.envFile ?? '.env');
  const env: Record<string, string | undefined> = { ...readEnvFile(envFile), ...processEnv };
  // Only to learn the library's defaults (and what LLM_MGR_DATABASE_URL / LLM_MGR_CONFIG say) and anchor them in cwd.
  const defaults = resolveOptions({ env });
  return {
    envFile,
    adminTokenFromEnv: processEnv[ADMIN_TOKEN_VARIABLE] || undefined,
    port: portFrom(env.PORT),
    llmManager: {
      env,
      envFilePath: envFile,
      configPath: resolve(cwd, defaults.configPath),
      database: anchorSqliteFile(defaults.database, cwd),
      ...options.llmManager,
    },
  };
}

function anchorSqliteFile(database: LlmManagerDatabaseOptions, cwd: string): LlmManagerDatabaseOptions {
  if (database.type !== 'better-sqlite3' && database.type !== 'sqlite') return database;
  const file = database.database;
  if (file === ':memory:' || file === '' || isAbsolute(file)) return database;
  return { ...database, database: resolve(cwd, file) };
}

function portFrom(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const port = Number(raw);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  throw new LlmManagerError('CONFIG_INVALID', `PORT="${raw}" is not a port number. Use an integer from 0 to 65535.`, {
    details: { variable: 'PORT' },
  });
}
