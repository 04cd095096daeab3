import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { ConfigChanges, type ConfigChange } from '../common/config-changes';
import { errorMessage } from '../common/error-message';
import { ReloadingSnapshot } from '../common/reloading-snapshot';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE, SYSTEM_USER_ID } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { loadYamlConfig } from '../yaml-sync/yaml-config.loader';
import { RateLimitEntity } from './rate-limit.entity';
import type { RateLimits } from './rate-limit-window';

/** Who a call is made by, as far as rate limits care. */
export interface RateLimitScope {
  userId: string;
  usageKey: string | null;
  tokenId: number | null;
}

export type RateLimitScopeKind = 'user' | 'slot' | 'token';

/** One limit a call counts against, and the counter it counts on (`key`, shared by every instance). */
export interface LimitCheck extends RateLimits {
  key: string;
  scope: RateLimitScopeKind;
  /** The stored rule, or `null` for the default per-user limit of the options or the YAML. */
  ruleId: number | null;
}

interface RuleBook {
  users: ReadonlyMap<string, RateLimitEntity>;
  slots: ReadonlyMap<string, RateLimitEntity>;
  tokens: ReadonlyMap<number, RateLimitEntity>;
}

/** The counter of a scope; lengths keep `u:a:b` + slot `c` apart from user `a:b:c`. */
export function rateLimitKey(scope: RateLimitScopeKind, scopeOf: RateLimitScope): string {
  switch (scope) {
    case 'user':
      return `u:${scopeOf.userId}`;
    case 'slot':
      return `s:${scopeOf.userId.length}:${scopeOf.userId}:${scopeOf.usageKey ?? ''}`;
    case 'token':
      return `t:${scopeOf.tokenId ?? ''}`;
  }
}

const slotName = (userId: string, usageKey: string): string => `${userId.length}:${userId}:${usageKey}`;

/**
 * Every rate limit in memory, so a call costs no query to find its limits: a user with none (and no default) is
 * answered synchronously with `[]`. Read in one query, again after a write here or one relayed from another instance.
 * The default per-user limit comes from the options, else from the YAML's `rate_limits.default_user` (read once, on
 * start, like the rest of the file).
 */
@Injectable()
export class RateLimitRules implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimits');
  private readonly book: ReloadingSnapshot<RuleBook>;
  private readonly unsubscribe: () => void;
  /** The limit of every user without one of their own; `null`: none. */
  readonly defaultUser: RateLimits | null;

  constructor(
    @InjectDataSource(LLM_MGR_DATA_SOURCE) dataSource: DataSource,
    changes: ConfigChanges,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) options: ResolvedLlmManagerOptions,
  ) {
    this.defaultUser = options.defaultUserRateLimit ?? this.yamlDefault(options.configPath);
    this.book = new ReloadingSnapshot(async () => {
      const rows = await dataSource.getRepository(RateLimitEntity).find();
      const users = new Map<string, RateLimitEntity>();
      const slots = new Map<string, RateLimitEntity>();
      const tokens = new Map<number, RateLimitEntity>();
      for (const row of rows) {
        if (row.tokenId !== null) tokens.set(row.tokenId, row);
        else if (row.userId !== null && row.usageKey !== null) slots.set(slotName(row.userId, row.usageKey), row);
        else if (row.userId !== null) users.set(row.userId, row);
      }
      return { users, slots, tokens };
    });
    this.unsubscribe = changes.subscribe((change) => this.invalidate(change));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The limits a call of `scope` counts against, in a fixed order (user, slot, token); synchronous once loaded. */
  applying(scope: RateLimitScope): readonly LimitCheck[] | Promise<readonly LimitCheck[]> {
    const current = this.book.current;
    return current ? this.pick(current, scope) : this.book.load().then((book) => this.pick(book, scope));
  }

  private pick(book: RuleBook, scope: RateLimitScope): readonly LimitCheck[] {
    if (book.users.size === 0 && book.slots.size === 0 && book.tokens.size === 0 && this.defaultUser === null) return NONE;
    const checks: LimitCheck[] = [];
    const user = book.users.get(scope.userId);
    // A user's own row replaces the default; one that limits nothing exempts the user. The default is for users:
    // the system user (the host's getSpecSysLlm calls, admin model tests) is limited only by a row of its own.
    if (user) pushLimited(checks, check('user', scope, user, user.id));
    else if (this.defaultUser && scope.userId !== SYSTEM_USER_ID) checks.push(check('user', scope, this.defaultUser, null));
    const slot = scope.usageKey === null ? undefined : book.slots.get(slotName(scope.userId, scope.usageKey));
    if (slot) pushLimited(checks, check('slot', scope, slot, slot.id));
    const token = scope.tokenId === null ? undefined : book.tokens.get(scope.tokenId);
    if (token) pushLimited(checks, check('token', scope, token, token.id));
    return checks;
  }

  private yamlDefault(path: string): RateLimits | null {
    if (!existsSync(path)) return null;
    try {
      return loadYamlConfig(path).rateLimits.defaultUser;
    } catch (error) {
      // The YAML sync reports the file's problems; a file it cannot read sets no default here.
      this.logger.warn(`rate_limits of ${path} not read: ${errorMessage(error)}`);
      return null;
    }
  }

  private invalidate(change: ConfigChange): void {
    if (change.kind === 'rate-limit' || change.kind === 'all') this.book.invalidate();
  }
}

function check(scope: RateLimitScopeKind, scopeOf: RateLimitScope, limits: RateLimits, ruleId: number | null): LimitCheck {
  return { key: rateLimitKey(scope, scopeOf), scope, ruleId, rpm: limits.rpm, tpm: limits.tpm, concurrent: limits.concurrent };
}

function pushLimited(checks: LimitCheck[], one: LimitCheck): void {
  if (one.rpm !== null || one.tpm !== null || one.concurrent !== null) checks.push(one);
}

const NONE: readonly LimitCheck[] = [];
