import { resolveAutoKeyBudget, type AutoKeyBudget } from './budgets/auto-key-budget';
import { checkedPurgeCron } from './usage/task-scheduler';
import { resolveUsageWriterOptions, type UsageWriterOptions } from './usage/usage-writer.options';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { passportIdentity, type IdentityResolver } from './common/request-identity';
import { DEFAULT_KEY_ENV_ALLOW, keyEnvAllowPattern } from './common/key-env-policy';
import type { DatabaseTimeouts } from './database/driver-timeouts';
import { checkedRateLimits, type RateLimitInput } from './rate-limits/rate-limit.options';
import type { RateLimits } from './rate-limits/rate-limit-window';

/** TypeORM connection options without the parts llm-mgr owns (entities, migrations, synchronize). */
export type LlmManagerDatabaseOptions = DataSourceOptions extends infer T
  ? T extends DataSourceOptions
    ? Omit<T, 'entities' | 'migrations' | 'migrationsRun' | 'synchronize' | 'name'>
    : never
  : never;

/** Options of `LlmManagerModule.forRoot()`. Every field is optional; environment variables fill the gaps. */
export interface LlmManagerOptions {
  /**
   * Where platforms, keys, selections and usage live: TypeORM DataSource options.
   * Default: `{ type: 'better-sqlite3', database: 'llm_config.db' }` (env `LLM_MGR_DATABASE_URL` when set).
   */
  database?: LlmManagerDatabaseOptions;
  /**
   * The host's own TypeORM DataSource: llm-mgr connects to the same database with the same settings, through a pool
   * of its own that carries only llm-mgr's entities and its own migrations table (`llm_mgr_migrations`), so the
   * host's entities, migrations and `synchronize` are never touched. Wins over `database`. Default: none.
   */
  dataSource?: DataSource;
  /**
   * How long, in ms, llm-mgr waits for its database server (PostgreSQL, MySQL/MariaDB) to open a connection; past it
   * the call fails with `DATABASE_UNAVAILABLE`. A `connectTimeoutMS` / `connectTimeout` in `database` wins.
   * Default: env `LLM_MGR_DB_CONNECT_TIMEOUT_MS`, else `5000`.
   */
  databaseConnectTimeoutMs?: number;
  /**
   * How long, in ms, one statement may take before the call fails with `DATABASE_UNAVAILABLE` (a frozen server); `0`
   * waits forever. Start-up migrations run without it. Default: env `LLM_MGR_DB_QUERY_TIMEOUT_MS`, else `5000`.
   */
  databaseQueryTimeoutMs?: number;
  /** Path of the YAML file that defines the system platforms. Default: `llm_mgr_cfg.yaml` (env `LLM_MGR_CONFIG`). */
  configPath?: string;
  /** Master key that encrypts every stored secret, at least 32 characters. Default: env `LLM_KEY`, then `.env`. */
  masterKey?: string;
  /** Where a generated master key is written, and read back on the next start. Default: `.env`. */
  envFilePath?: string;
  /**
   * On a first start with no key and nothing encrypted yet, generate a key into `envFilePath`.
   * Default: `true`.
   */
  generateMasterKey?: boolean;
  /** Fixed-platform mode (M1.2): users may only add their own keys to system platforms. Default: env `USE_SYS_LLM_CONFIG`, else `false`. */
  useSysLlmConfig?: boolean;
  /** Let users without a key of their own borrow the system key (M5). Default: env `LLM_AUTO_KEY`, else `false`. */
  autoKey?: boolean;
  /** Import the YAML into the database on start (first import, then incremental). Default: `true`. */
  syncOnStart?: boolean;
  /** Environment used to resolve `{ENV_VAR}` placeholders in the YAML. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Which token count fills the usage columns (B1): the local estimate (the seed's design, comparable across
   * providers) or what the provider reported, when it did. Both are kept on every row. Default: env
   * `LLM_BILLED_USAGE`, else `'estimated'`.
   */
  billedUsage?: 'estimated' | 'reported';
  /** Timeout of one upstream request made by a built model, in ms. Default: `120000`. */
  requestTimeoutMs?: number;
  /** IANA time zone budget periods follow when a budget names none, e.g. `'Asia/Shanghai'`. Default: `'UTC'`. */
  budgetTimeZone?: string;
  /**
   * Completion tokens a call is assumed to produce when its cost is reserved against a budget before it leaves (the
   * prompt is counted). A reply longer than this can overshoot a hard budget by its extra tokens' price. Default: `1024`.
   */
  budgetCompletionAllowance?: number;
  /**
   * The budget each user without a key of their own gets on first use when `autoKey` lends them the system's keys,
   * e.g. `{ limitUsd: 5, period: 'day' }`; only calls on a lent system key count against it. An administrator's budget
   * for the whole user replaces it. `null`: none. Default: `auto_key_budget` of the YAML, else none.
   */
  autoKeyBudget?: AutoKeyBudget | null;
  /**
   * Retries of a failed upstream request (429, 5xx, timeout, network) by a built model, per model of a slot's fallback
   * chain, in llm-mgr's one retry loop (the SDK's and LangChain's own are off). Every attempt is a usage row. Default: `2`.
   */
  maxRetries?: number;
  /**
   * How the retry loop waits: full-jitter exponential back-off from `baseDelayMs` up to `maxDelayMs`, or exactly the
   * upstream's `Retry-After` when it is at most `retryAfterMaxMs` (a longer one moves on to the next model at once).
   * Default: `{ baseDelayMs: 500, maxDelayMs: 8000, retryAfterMaxMs: 30000 }`.
   */
  retryBackoff?: { baseDelayMs?: number; maxDelayMs?: number; retryAfterMaxMs?: number };
  /**
   * Cooldowns (issue 18): after `allowedFails` failures of one platform + key within `windowMs` (429, 5xx, timeout,
   * unreachable; not a rejected key, a 4xx or an abort), every instance on the database skips that pair for
   * `cooldownMs` (at least the upstream's Retry-After), doubling on each cooldown without a success between, up to
   * `maxCooldownMs`; a success resets it. Instances read the shared state at most every `readCacheMs`. `false`: none.
   * Default: `{ allowedFails: 3, windowMs: 60000, cooldownMs: 5000, maxCooldownMs: 300000, readCacheMs: 1000 }`.
   */
  cooldown?: Partial<CooldownOptions> | false;
  /**
   * How llm-mgr's routes learn who calls them. Default: Passport's `request.user` (`id`/`userId`; admin when
   * `isAdmin` or `roles` has `'admin'`).
   */
  resolveIdentity?: IdentityResolver;
  /** Days of usage rows kept by the scheduled purge; `0` keeps everything. Default: env `LLM_USAGE_RETENTION_DAYS`, else `90`. */
  usageRetentionDays?: number;
  /** Cron of the scheduled purge, or `false` for none. Default: env `LLM_USAGE_PURGE_CRON`, else `'0 3 * * *'` (03:00 daily). */
  usagePurgeCron?: string | false;
  /**
   * Let users' (not admins') base URLs reach loopback, private and link-local addresses (B8). Default: env
   * `LLM_ALLOW_PRIVATE_BASE_URLS`, else `false`.
   */
  allowPrivateBaseUrls?: boolean;
  /**
   * How often, in ms, this instance looks for configuration changes written by other instances (or the CLI) sharing
   * its database, and drops its cached models when there are some (B7); `0` stops looking. Default: `1000`.
   */
  configSyncIntervalMs?: number;
  /**
   * How usage rows are batched into the database and retried through an outage. Default: `batchSize` 500 (env
   * `LLM_MGR_USAGE_BATCH_SIZE`), `flushIntervalMs` 1000 (env `LLM_MGR_USAGE_FLUSH_MS`), `maxQueue` 100000 (env
   * `LLM_MGR_USAGE_MAX_QUEUE`), `retryBaseMs` 500, `retryMaxMs` 30000.
   */
  usageWriter?: Partial<UsageWriterOptions>;
  /**
   * Folder of the usage journal, the append-only local file that keeps every call's usage through `kill -9` and a
   * database outage at shutdown (replayed on the next start), or `false` for none (B10). Default: env
   * `LLM_MGR_USAGE_JOURNAL` (a path, or `off`), else `llm_mgr_journal` in the working directory.
   */
  usageJournal?: string | false;
  /**
   * On shutdown, how long LLM calls in flight may run on before they are cancelled and recorded as `aborted`, in ms.
   * Default: env `LLM_MGR_SHUTDOWN_DRAIN_MS`, else `10000`.
   */
  shutdownDrainMs?: number;
  /**
   * A stream whose reader has not asked for its next chunk for this long, in ms, is closed and recorded as
   * `abandoned`; a reader that comes back gets a `STREAM_ABANDONED` error. Default: env `LLM_MGR_ABANDONED_STREAM_MS`,
   * else `120000`.
   */
  abandonedStreamMs?: number;
  /**
   * Most built models kept for warm `getUserLlm()` calls (one per user, slot and agent name, a few KB each); the least
   * recently used is dropped past it. Default: env `LLM_MGR_MODEL_CACHE_SIZE`, else `2000`.
   */
  modelCacheSize?: number;
  /**
   * Which environment variables an `{ENV}` placeholder (`apiKeyEnv`, YAML `api_key: '{NAME}'`) may name, matched
   * against the whole name. llm-mgr's own secrets (`LLM_KEY`, `LLM_MGR_ADMIN_TOKEN`, `LLM_MGR_DATABASE_URL`) are
   * refused whatever it says. Default: env `LLM_MGR_KEY_ENV_ALLOW`, else names ending in `_KEY` or `_TOKEN`.
   */
  keyEnvAllowPattern?: string | RegExp;
  /**
   * The rate limit of every user who has none of their own (issue 18): `rpm`, `tpm`, `concurrent`; a call past it is
   * refused with `RATE_LIMITED`. Per-user, per-slot and per-token limits are set with `setRateLimit` / the admin API.
   * Default: the YAML's `rate_limits.default_user`, else none.
   */
  defaultUserRateLimit?: RateLimitInput;
  /**
   * Redis that holds the rate-limit counters shared by every instance, e.g. `redis://127.0.0.1:6379/0`; unset: the
   * database holds them. Default: env `LLM_MGR_REDIS_URL`, else none.
   */
  redisUrl?: string;
  /** Prefix of every Redis key llm-mgr writes. Default: env `LLM_MGR_REDIS_PREFIX`, else `'llm-mgr:'`. */
  redisKeyPrefix?: string;
  /**
   * How long a running call's concurrency lease lives without renewal, in ms: its process renews it every third of this;
   * a crashed process's leases free their slots at most this long after it died. Default: `30000`.
   */
  rateLimitLeaseMs?: number;
}

/** Options after defaults and environment variables are applied: what the rest of the library reads. */
export interface ResolvedLlmManagerOptions {
  database: LlmManagerDatabaseOptions;
  databaseTimeouts: DatabaseTimeouts;
  configPath: string;
  masterKey: string | undefined;
  envFilePath: string;
  generateMasterKey: boolean;
  useSysLlmConfig: boolean;
  autoKey: boolean;
  syncOnStart: boolean;
  env: Record<string, string | undefined>;
  billedUsage: 'estimated' | 'reported';
  requestTimeoutMs: number;
  budgetTimeZone: string;
  budgetCompletionAllowance: number;
  /** `undefined`: not set here, the YAML's `auto_key_budget` decides. */
  autoKeyBudget: Required<AutoKeyBudget> | null | undefined;
  maxRetries: number;
  retryBackoff: { baseDelayMs: number; maxDelayMs: number; retryAfterMaxMs: number };
  cooldown: CooldownOptions | false;
  resolveIdentity: IdentityResolver;
  usageRetentionDays: number;
  usagePurgeCron: string | false;
  allowPrivateBaseUrls: boolean;
  configSyncIntervalMs: number;
  usageWriter: UsageWriterOptions;
  usageJournal: string | false;
  shutdownDrainMs: number;
  abandonedStreamMs: number;
  modelCacheSize: number;
  keyEnvAllow: RegExp;
  /** `null` when the options set none: the YAML's `rate_limits.default_user` then applies. */
  defaultUserRateLimit: RateLimits | null;
  redisUrl: string | null;
  redisKeyPrefix: string;
  rateLimitLeaseMs: number;
}

/** LlmManagerOptions.cooldown, resolved. */
export interface CooldownOptions {
  allowedFails: number;
  windowMs: number;
  cooldownMs: number;
  maxCooldownMs: number;
  readCacheMs: number;
}

/**
 * The option wins; else `LLM_MGR_COOLDOWN=off` turns cooldowns off, and `LLM_MGR_COOLDOWN_ALLOWED_FAILS` /
 * `LLM_MGR_COOLDOWN_MS` set the two settings operators tune most (the standalone server has no options object).
 */
function resolveCooldownSetting(option: LlmManagerOptions['cooldown'], env: Record<string, string | undefined>): CooldownOptions | false {
  if (option === false) return false;
  if (option !== undefined) return resolveCooldown(option);
  if (valueOrOff(env.LLM_MGR_COOLDOWN, 'on') === false) return false;
  return resolveCooldown(
    withoutUndefined({ allowedFails: positiveFromEnv(env, 'LLM_MGR_COOLDOWN_ALLOWED_FAILS'), cooldownMs: positiveFromEnv(env, 'LLM_MGR_COOLDOWN_MS') }),
  );
}

function resolveCooldown(given: Partial<CooldownOptions>): CooldownOptions {
  const cooldownMs = wholeAtLeastOne('cooldown.cooldownMs', given.cooldownMs ?? 5000);
  const maxCooldownMs = wholeAtLeastOne('cooldown.maxCooldownMs', given.maxCooldownMs ?? Math.max(300_000, cooldownMs));
  if (maxCooldownMs < cooldownMs) {
    throw new Error(`Option cooldown.maxCooldownMs (${maxCooldownMs}) must be at least cooldown.cooldownMs (${cooldownMs}).`);
  }
  return {
    allowedFails: wholeAtLeastOne('cooldown.allowedFails', given.allowedFails ?? 3),
    windowMs: wholeAtLeastOne('cooldown.windowMs', given.windowMs ?? 60_000),
    cooldownMs,
    maxCooldownMs,
    readCacheMs: wholeOrZero('cooldown.readCacheMs', given.readCacheMs ?? 1000),
  };
}

export const DEFAULT_DATABASE: LlmManagerDatabaseOptions = { type: 'better-sqlite3', database: 'llm_config.db' };

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

function envFlag(env: Record<string, string | undefined>, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new Error(`Environment variable ${name}="${raw}" is not a boolean. Use true or false.`);
}

function envNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`Environment variable ${name}="${raw}" must be a number ≥ 0.`);
  return value;
}

function wholeFromEnv(env: Record<string, string | undefined>, name: string): number | undefined {
  const value = envNumber(env, name);
  if (value !== undefined && !Number.isInteger(value)) throw new Error(`Environment variable ${name}="${env[name]}" must be a whole number ≥ 0.`);
  return value;
}

function positiveFromEnv(env: Record<string, string | undefined>, name: string): number | undefined {
  const value = envNumber(env, name);
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new Error(`Environment variable ${name}="${env[name]}" must be a whole number ≥ 1.`);
  }
  return value;
}

/** An option that must be a whole number ≥ 1 (a count, or milliseconds), or a clear error naming it. */
function wholeAtLeastOne(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`Option ${name}=${String(value)} must be a whole number ≥ 1.`);
  return value;
}

/** An option that must be a whole number ≥ 0 (milliseconds, `0` for none), or a clear error naming it. */
function wholeOrZero(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`Option ${name}=${String(value)} must be a whole number ≥ 0.`);
  return value;
}

/** A setting that is a value, or `off` / `false` / `none` for none; unset or empty means `fallback`. */
function valueOrOff(raw: string | undefined, fallback: string): string | false {
  if (raw === undefined || raw.trim() === '') return fallback;
  return ['off', 'false', 'none'].includes(raw.trim().toLowerCase()) ? false : raw.trim();
}

/**
 * The connection settings of a host's DataSource, without anything that shapes the host's own schema: its entities,
 * migrations, `synchronize`, `dropSchema` (a test set-up's rebuild would empty the schema again after the host's own
 * sync), naming strategy, table prefix and query cache. @nestjs/typeorm's own keys (retries, autoLoadEntities) go too.
 */
function borrowConnection(dataSource: DataSource): LlmManagerDatabaseOptions {
  const {
    entities: _entities,
    migrations: _migrations,
    migrationsRun: _migrationsRun,
    migrationsTableName: _migrationsTable,
    migrationsTransactionMode: _migrationsTransactionMode,
    metadataTableName: _metadataTable,
    synchronize: _synchronize,
    dropSchema: _dropSchema,
    subscribers: _subscribers,
    namingStrategy: _namingStrategy,
    entityPrefix: _entityPrefix,
    cache: _cache,
    name: _name,
    retryAttempts: _retryAttempts,
    retryDelay: _retryDelay,
    toRetry: _toRetry,
    autoLoadEntities: _autoLoadEntities,
    manualInitialization: _manualInitialization,
    ...connection
  } = dataSource.options as DataSourceOptions & Record<string, unknown>;
  return connection as LlmManagerDatabaseOptions;
}

function billedUsageFromEnv(raw: string | undefined): 'estimated' | 'reported' {
  if (raw === undefined || raw === '' || raw === 'estimated') return 'estimated';
  if (raw === 'reported') return 'reported';
  throw new Error(`Environment variable LLM_BILLED_USAGE="${raw}" must be "estimated" or "reported".`);
}

/**
 * `postgres://…?schema=llm` puts llm-mgr's tables in a schema of their own (created on start), the way Prisma's URLs
 * say it; the driver itself never sees the parameter.
 */
function postgresFromUrl(url: string): LlmManagerDatabaseOptions {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return { type: 'postgres', url };
  parsed.searchParams.delete('schema');
  return { type: 'postgres', url: parsed.toString(), schema };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Turns `postgres://…`, `mysql://…`, `mariadb://…` or a SQLite file into TypeORM options. A SQLite file is opened
 * with better-sqlite3 (a bare path, `sqlite:` or `sqlite://`), or with the sqlite3 package when the URL says
 * `sqlite3:` / `sqlite3://` (TypeORM's type `'sqlite'`).
 */
export function databaseFromUrl(url: string): LlmManagerDatabaseOptions {
  if (/^postgres(ql)?:\/\//i.test(url)) return postgresFromUrl(url);
  // TypeORM's 'mariadb' type reads MariaDB's catalogue correctly; MySQL proper keeps 'mysql'.
  if (/^mariadb:\/\//i.test(url)) return { type: 'mariadb', url: url.replace(/^mariadb:/i, 'mysql:') };
  if (/^mysql:\/\//i.test(url)) return { type: 'mysql', url };
  if (/^sqlite3:/i.test(url)) return { type: 'sqlite', database: url.replace(/^sqlite3:(\/\/)?/i, '') };
  return { type: 'better-sqlite3', database: url.replace(/^sqlite:(\/\/)?/i, '') };
}

/**
 * The one place where defaults are merged and environment variables are read
 * (`LLM_KEY`, `LLM_AUTO_KEY`, `USE_SYS_LLM_CONFIG`, `LLM_MGR_DATABASE_URL`, `LLM_MGR_CONFIG`, `LLM_MGR_KEY_ENV_ALLOW`,
 * `LLM_MGR_REDIS_URL`, …).
 */
export function resolveOptions(
  options: LlmManagerOptions = {},
  processEnv: Record<string, string | undefined> = process.env,
): ResolvedLlmManagerOptions {
  const env = options.env ?? processEnv;
  const dbUrl = env.LLM_MGR_DATABASE_URL;
  return {
    database: options.dataSource
      ? borrowConnection(options.dataSource)
      : (options.database ?? (dbUrl ? databaseFromUrl(dbUrl) : DEFAULT_DATABASE)),
    databaseTimeouts: {
      connectMs: wholeAtLeastOne(
        'databaseConnectTimeoutMs',
        options.databaseConnectTimeoutMs ?? positiveFromEnv(env, 'LLM_MGR_DB_CONNECT_TIMEOUT_MS') ?? 5000,
      ),
      queryMs: wholeOrZero('databaseQueryTimeoutMs', options.databaseQueryTimeoutMs ?? envNumber(env, 'LLM_MGR_DB_QUERY_TIMEOUT_MS') ?? 5000),
    },
    configPath: options.configPath ?? env.LLM_MGR_CONFIG ?? 'llm_mgr_cfg.yaml',
    masterKey: options.masterKey ?? (env.LLM_KEY || undefined),
    envFilePath: options.envFilePath ?? '.env',
    generateMasterKey: options.generateMasterKey ?? true,
    useSysLlmConfig: options.useSysLlmConfig ?? envFlag(env, 'USE_SYS_LLM_CONFIG') ?? false,
    autoKey: options.autoKey ?? envFlag(env, 'LLM_AUTO_KEY') ?? false,
    syncOnStart: options.syncOnStart ?? true,
    env,
    billedUsage: options.billedUsage ?? billedUsageFromEnv(env.LLM_BILLED_USAGE),
    requestTimeoutMs: wholeAtLeastOne('requestTimeoutMs', options.requestTimeoutMs ?? positiveFromEnv(env, 'LLM_MGR_REQUEST_TIMEOUT_MS') ?? 120_000),
    budgetTimeZone: options.budgetTimeZone ?? 'UTC',
    budgetCompletionAllowance: wholeAtLeastOne('budgetCompletionAllowance', options.budgetCompletionAllowance ?? 1024),
    autoKeyBudget: options.autoKeyBudget === undefined ? undefined : resolveAutoKeyBudget(options.autoKeyBudget, options.budgetTimeZone ?? 'UTC'),
    maxRetries: wholeOrZero('maxRetries', options.maxRetries ?? wholeFromEnv(env, 'LLM_MGR_MAX_RETRIES') ?? 2),
    retryBackoff: {
      baseDelayMs: options.retryBackoff?.baseDelayMs ?? 500,
      maxDelayMs: options.retryBackoff?.maxDelayMs ?? 8000,
      retryAfterMaxMs: options.retryBackoff?.retryAfterMaxMs ?? 30_000,
    },
    cooldown: resolveCooldownSetting(options.cooldown, env),
    resolveIdentity: options.resolveIdentity ?? passportIdentity,
    usageRetentionDays: options.usageRetentionDays ?? envNumber(env, 'LLM_USAGE_RETENTION_DAYS') ?? 90,
    usagePurgeCron: checkedPurgeCron(options.usagePurgeCron ?? valueOrOff(env.LLM_USAGE_PURGE_CRON, '0 3 * * *')),
    allowPrivateBaseUrls: options.allowPrivateBaseUrls ?? envFlag(env, 'LLM_ALLOW_PRIVATE_BASE_URLS') ?? false,
    configSyncIntervalMs: options.configSyncIntervalMs ?? 1000,
    usageWriter: resolveUsageWriterOptions(
      withoutUndefined({
        batchSize: positiveFromEnv(env, 'LLM_MGR_USAGE_BATCH_SIZE'),
        flushIntervalMs: positiveFromEnv(env, 'LLM_MGR_USAGE_FLUSH_MS'),
        maxQueue: positiveFromEnv(env, 'LLM_MGR_USAGE_MAX_QUEUE'),
        ...options.usageWriter,
      }),
    ),
    usageJournal: options.usageJournal ?? valueOrOff(env.LLM_MGR_USAGE_JOURNAL, 'llm_mgr_journal'),
    shutdownDrainMs: wholeAtLeastOne('shutdownDrainMs', options.shutdownDrainMs ?? positiveFromEnv(env, 'LLM_MGR_SHUTDOWN_DRAIN_MS') ?? 10_000),
    abandonedStreamMs: wholeAtLeastOne(
      'abandonedStreamMs',
      options.abandonedStreamMs ?? positiveFromEnv(env, 'LLM_MGR_ABANDONED_STREAM_MS') ?? 120_000,
    ),
    modelCacheSize: wholeAtLeastOne('modelCacheSize', options.modelCacheSize ?? positiveFromEnv(env, 'LLM_MGR_MODEL_CACHE_SIZE') ?? 2000),
    keyEnvAllow:
      options.keyEnvAllowPattern !== undefined
        ? keyEnvAllowPattern(options.keyEnvAllowPattern, 'keyEnvAllowPattern')
        : keyEnvAllowPattern(env.LLM_MGR_KEY_ENV_ALLOW?.trim() || DEFAULT_KEY_ENV_ALLOW),
    defaultUserRateLimit: checkedRateLimits(options.defaultUserRateLimit, 'Option defaultUserRateLimit'),
    redisUrl: options.redisUrl ?? (env.LLM_MGR_REDIS_URL?.trim() || null),
    redisKeyPrefix: options.redisKeyPrefix ?? (env.LLM_MGR_REDIS_PREFIX?.trim() || 'llm-mgr:'),
    rateLimitLeaseMs: wholeAtLeastOne('rateLimitLeaseMs', options.rateLimitLeaseMs ?? positiveFromEnv(env, 'LLM_MGR_RATE_LIMIT_LEASE_MS') ?? 30_000),
  };
}
