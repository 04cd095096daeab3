import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../common/error-message';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { limiterUnavailable, promptOverTpm, rateLimited } from './rate-limit-refusal';
import { RateLimitRules, type LimitCheck, type RateLimitScope } from './rate-limit-rules';
import { leasing, RateLimitStore, type CounterCorrection, type RateLimitHold } from './rate-limit-store';
import { windowStart } from './rate-limit-window';

/** How long corrections gather before they go to the store in one batch. */
const CORRECTION_MS = 50;

/**
 * Rate limits on the call path (issue 18). Before a call leaves, one atomic check on the shared store counts it on
 * every limit it falls under (user, slot, API token), or refuses it with `RATE_LIMITED` and counts nothing. When the
 * call ends (success, error, abort, shutdown) its place among the concurrent calls is freed at once, and its tokens
 * are corrected from the prompt's estimate to the call's count when its row is counted. A running call's leases are
 * renewed every third of `rateLimitLeaseMs`; those of a process that died expire after it.
 */
@Injectable()
export class RateLimiter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  /** Calls holding a lease, renewed while they run. */
  private readonly leased = new Map<string, RateLimitHold>();
  private timers: Array<ReturnType<typeof setInterval>> = [];
  /** Counts to move, per window and counter, sent in the next batch. */
  private readonly corrections = new Map<string, CounterCorrection>();
  private nextCorrection: Promise<void> | null = null;

  constructor(
    private readonly rules: RateLimitRules,
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  /** `database` or `redis`. */
  get backend(): 'database' | 'redis' {
    return this.store.backend;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.store.connect();
    const every = Math.max(10, Math.floor(this.options.rateLimitLeaseMs / 3));
    const renew = setInterval(() => this.renew(), every);
    const sweep = setInterval(() => {
      this.store.sweep(this.clock.now().getTime()).then(
        (freed) => freed > 0 && this.logger.log(`Freed ${freed} concurrency leases of calls whose process stopped.`),
        (error: unknown) => this.logger.warn(`Expired concurrency leases were not freed this time. ${errorMessage(error)}`),
      );
    }, this.options.rateLimitLeaseMs);
    this.timers = [renew, sweep];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.nextCorrection;
    await this.store.close();
  }

  /**
   * `null`, synchronously, when no limit applies (no default, no limit of this user, slot or token). Otherwise counts
   * the call (`promptTokens()` only when a tokens-per-minute limit applies) and resolves to its hold, or rejects with
   * `RATE_LIMITED` (`RATE_LIMITER_UNAVAILABLE` when Redis does not answer).
   */
  admit(scope: RateLimitScope, promptTokens: () => Promise<number>): null | Promise<RateLimitHold | null> {
    const applying = this.rules.applying(scope);
    if (Array.isArray(applying) && applying.length === 0) return null;
    return this.acquire(scope, applying, promptTokens);
  }

  /** The call ended: frees its leases now; corrects its tokens once `totalTokens` is known. Never rejects. */
  end(hold: RateLimitHold, totalTokens: Promise<number>): Promise<void> {
    const freed = this.freeLeases(hold);
    if (!hold.checks.some((check) => check.tpm !== null)) {
      // Not needed without a tpm limit; a row that could not be counted is the ledger's to report, not a crash here.
      totalTokens.catch(() => undefined);
      return freed;
    }
    const corrected = totalTokens.then(
      (tokens) => this.correct(hold, 0, tokens - hold.tokens),
      (error: unknown) => this.logger.warn(`A call's tokens were not counted; its estimate stays on its rate limits. ${errorMessage(error)}`),
    );
    return Promise.all([freed, corrected]).then(() => undefined);
  }

  /** The call was admitted, then refused by something else before it left: it counts on nothing. Never rejects. */
  cancel(hold: RateLimitHold): Promise<void> {
    return Promise.all([this.freeLeases(hold), this.correct(hold, -1, -hold.tokens)]).then(() => undefined);
  }

  /**
   * Corrections wait up to CORRECTION_MS and go in one batch, summed per counter: one round trip for all the calls
   * that ended meanwhile, none on any call's path. Never rejects.
   */
  private correct(hold: RateLimitHold, requests: number, tokens: number): Promise<void> {
    for (const check of hold.checks) {
      const moves = (check.rpm !== null && requests !== 0) || (check.tpm !== null && tokens !== 0);
      if (!moves) continue;
      const id = `${hold.windowStart}:${check.key}`;
      const pending = this.corrections.get(id) ?? { key: check.key, windowStart: hold.windowStart, requests: 0, tokens: 0 };
      pending.requests += check.rpm === null ? 0 : requests;
      pending.tokens += check.tpm === null ? 0 : tokens;
      this.corrections.set(id, pending);
    }
    if (this.corrections.size === 0) return Promise.resolve();
    this.nextCorrection ??= new Promise<void>((resolve) => setTimeout(resolve, CORRECTION_MS))
      .then(() => {
        this.nextCorrection = null;
        const batch = [...this.corrections.values()];
        this.corrections.clear();
        return this.store.adjust(batch);
      })
      .catch((error: unknown) => this.logger.warn(`Rate-limit counts were not corrected this time. ${errorMessage(error)}`));
    return this.nextCorrection;
  }

  private async acquire(scope: RateLimitScope, applying: readonly LimitCheck[] | Promise<readonly LimitCheck[]>, promptTokens: () => Promise<number>): Promise<RateLimitHold | null> {
    const checks = await applying;
    if (checks.length === 0) return null;
    const tokens = checks.some((check) => check.tpm !== null) ? await promptTokens() : 0;
    const tooLarge = checks.find((check) => check.tpm !== null && tokens > check.tpm);
    if (tooLarge) throw promptOverTpm(tooLarge, scope, tokens);
    const now = this.clock.now().getTime();
    const hold: RateLimitHold = {
      callId: randomUUID(),
      checks,
      tokens,
      windowStart: windowStart(now),
      leaseUntil: now + this.options.rateLimitLeaseMs,
    };
    const refusal = await this.store.acquire(hold, now).catch((error: unknown) => {
      if (this.store.backend === 'redis' && !(error instanceof LlmManagerError)) throw limiterUnavailable('Redis', error);
      throw error;
    });
    if (refusal !== null) throw rateLimited(refusal.check, refusal.kind, scope, refusal.state, tokens, now);
    if (leasing(hold).length > 0) this.leased.set(hold.callId, hold);
    return hold;
  }

  private freeLeases(hold: RateLimitHold): Promise<void> {
    if (!this.leased.delete(hold.callId)) return Promise.resolve();
    return this.store
      .releaseLeases(hold)
      .catch((error: unknown) => this.logger.warn(`A call's concurrency lease was not freed; it expires within ${this.options.rateLimitLeaseMs} ms. ${errorMessage(error)}`));
  }

  private renew(): void {
    if (this.leased.size === 0) return;
    const until = this.clock.now().getTime() + this.options.rateLimitLeaseMs;
    this.store
      .renew([...this.leased.values()], until)
      .catch((error: unknown) => this.logger.warn(`Concurrency leases of running calls were not renewed this time. ${errorMessage(error)}`));
  }
}
