import type { LoggerService } from '@nestjs/common';
import { isAbsolute, resolve } from 'path';
import { LlmManagerError } from '../llm-manager/common/llm-manager.error';
import { resolveOptions, type LlmManagerDatabaseOptions, type LlmManagerOptions } from '../llm-manager/llm-manager.options';
import { ADMIN_TOKEN_VARIABLE } from './auth/admin-token';
import type { AuthThrottleSettings } from './auth/auth-failure-throttle';
import type { DocsOptions } from './swagger';
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
  /** `HOST`: the interface to listen on. Default `127.0.0.1` (this machine only); `0.0.0.0` for every interface. */
  host: string;
  /** `LLM_MGR_METRICS_TOKEN`: a token for `GET /metrics` alone (a Prometheus scraper); null when unset. */
  metricsToken: string | null;
  /** `LLM_MGR_AUTH_FAILURE_LIMIT` wrong tokens (10; `0` = off) per client per `LLM_MGR_AUTH_FAILURE_WINDOW_SECONDS` (60). */
  authThrottle: AuthThrottleSettings;
  /**
   * `LLM_MGR_GATEWAY_BODY_LIMIT_MB` (16): the largest JSON body the gateway (`/v1`) reads, in bytes. Chat histories
   * and embedding batches outgrow the 100 kB the admin API keeps.
   */
  gatewayBodyLimitBytes: number;
  /** `LLM_MGR_DOCS_PERSIST_AUTHORIZATION=true` lets Swagger UI keep a pasted token across reloads. Default: off. */
  docs: DocsOptions;
  /** Options for `LlmManagerModule`, paths made absolute against `cwd`; `resolveIdentity` is added by the app. */
  llmManager: LlmManagerOptions;
}

/**
 * The standalone server's one place for its environment: `.env` under the process environment (as dotenv does, but
 * without writing into `process.env`), `PORT`, `HOST`, `LLM_MGR_ADMIN_TOKEN`, `LLM_MGR_METRICS_TOKEN`, `LLM_MGR_AUTH_FAILURE_*`,
 * `LLM_MGR_GATEWAY_BODY_LIMIT_MB`, `LLM_MGR_DOCS_*`. The library's own variables (`LLM_KEY`, `LLM_MGR_DATABASE_URL`, …) stay the library's to read:
 * the merged environment is handed to it as `env`.
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
    host: env.HOST?.trim() || DEFAULT_HOST,
    metricsToken: env.LLM_MGR_METRICS_TOKEN?.trim() || null,
    authThrottle: {
      maxFailures: integerFrom(env, 'LLM_MGR_AUTH_FAILURE_LIMIT', 10, 0),
      windowSeconds: integerFrom(env, 'LLM_MGR_AUTH_FAILURE_WINDOW_SECONDS', 60, 1),
    },
    gatewayBodyLimitBytes: integerFrom(env, 'LLM_MGR_GATEWAY_BODY_LIMIT_MB', 16, 1) * 1024 * 1024,
    docs: { persistAuthorization: env.LLM_MGR_DOCS_PERSIST_AUTHORIZATION?.trim().toLowerCase() === 'true' },
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

/**
 * Loopback unless told otherwise: the admin token is the only lock on the whole API, so reaching it from the network
 * is a choice (`HOST=0.0.0.0` in a container, behind TLS), not a default.
 */
const DEFAULT_HOST = '127.0.0.1';

function integerFrom(env: Record<string, string | undefined>, variable: string, fallback: number, min: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (/^\d{1,9}$/.test(raw.trim()) && Number(raw) >= min) return Number(raw);
  throw new LlmManagerError('CONFIG_INVALID', `${variable}="${raw}" is not valid. Use a whole number ≥ ${min} (default ${fallback}).`, {
    details: { variable },
  });
}

function portFrom(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 3000;
  const port = Number(raw);
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
  throw new LlmManagerError('CONFIG_INVALID', `PORT="${raw}" is not a port number. Use an integer from 0 to 65535.`, {
    details: { variable: 'PORT' },
  });
}
