import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../common/error-message';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { limiterUnavailable, promptOverTpm, rateLimited } from './rate-limit-refusal';
import { RateLimitRules, type LimitCheck, type RateLimitScope } from './rate-limit-rules';
import { LocalQuotas, type LocalTake } from './local-quotas';
import { RateLimitStore, type CounterCorrection, type Lease, type RateLimitHold, type StoreRefusal } from './rate-limit-store';
import { windowStart } from './rate-limit-window';

/** How long corrections gather before they go to the store in one batch. */
const CORRECTION_MS = 50;
/** A slice reserved ahead (on Redis) that no call used for this long goes back to the store. */
const SLICE_IDLE_MS = 500;

/**
 * Rate limits on the call path (issue 18). Before a call leaves, one atomic check on the shared store counts it on
 * every limit it falls under (user, slot, API token), or refuses it with `RATE_LIMITED` and counts nothing. When the
 * call ends (success, error, abort, shutdown) its place among the concurrent calls is freed at once, and its tokens
 * are corrected from the prompt's estimate to the call's count when its row is counted. A running call's leases are
 * renewed every third of `rateLimitLeaseMs`; those of a process that died expire after it. On Redis the check also
 * reserves a slice ahead for the process's next calls while the limit has room (LocalQuotas): most calls are then
 * admitted with no round trip, and the instances together still never admit more than the limit.
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
  private readonly quotas = new LocalQuotas(SLICE_IDLE_MS);

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
    const idle = setInterval(() => this.giveBackIdle(false), SLICE_IDLE_MS / 2);
    this.timers = [renew, sweep, idle];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    // No slice from now on; what refills on their way bring goes back with the rest.
    await this.quotas.close();
    await this.giveBackIdle(true);
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
    const window = windowStart(now);
    const callId = randomUUID();
    const local = await this.fromSlices(checks, tokens, window, now);
    if (local.missing.length > 0) {
      if (this.quotas.hasRetired) await this.giveBackIdle(false);
      const refusal = await this.fromStore(local, callId, tokens, window, now);
      if (refusal !== null) {
        // A slice that landed meanwhile, or is on its way, may still cover it; else the call counts on nothing.
        const again = await this.fromSlices(local.missing, tokens, window, now);
        if (again.missing.length > 0) {
          this.giveBackTake(again, tokens, window);
          this.giveBackTake(local, tokens, window);
          throw rateLimited(refusal.check, refusal.kind, scope, refusal.state, tokens, now);
        }
        local.leases.push(...again.leases);
      }
    }
    const hold: RateLimitHold = { callId, checks, tokens, windowStart: window, leases: local.leases };
    if (hold.leases.length > 0) this.leased.set(callId, hold);
    return hold;
  }

  /** Counts the call on the checks its local quotas did not cover, asking for slices ahead; the refusal, or `null`. */
  private async fromStore(local: LocalTake, callId: string, tokens: number, window: number, now: number): Promise<StoreRefusal | null> {
    const { missing } = local;
    const refilling = this.store.slices ? this.quotas.wants(missing, tokens, now) : null;
    const leaseUntil = now + this.options.rateLimitLeaseMs;
    const acquisition = { callId, checks: missing, tokens, windowStart: window, leaseUntil, spares: refilling?.spares ?? null };
    const acquired = await this.store.acquire(acquisition, now).catch((error: unknown) => {
      if (refilling) this.quotas.failed(refilling);
      this.giveBackTake(local, tokens, window);
      if (this.store.backend === 'redis' && !(error instanceof LlmManagerError)) throw limiterUnavailable('Redis', error);
      throw error;
    });
    if (refilling) this.quotas.granted(refilling, acquired.refusal === null ? acquired.grants : null, callId, window, this.clock.now().getTime());
    if (acquired.refusal !== null) return acquired.refusal;
    for (const check of missing) if (check.concurrent !== null) local.leases.push({ key: check.key, member: callId });
    return null;
  }

  /**
   * Takes what `checks` need from this process's slices; when a slice for every check they lack is on its way, waits
   * for it and takes again rather than make a trip of its own (so a slice granted during a burst is used by the
   * burst). What it took, with the checks still missing for the store.
   */
  private async fromSlices(checks: readonly LimitCheck[], tokens: number, window: number, now: number): Promise<LocalTake> {
    for (;;) {
      const local = this.quotas.take(checks, tokens, window, now);
      const refills = local.missing.length > 0 ? this.quotas.refills(local.missing) : null;
      if (refills === null) return local;
      this.giveBackTake(local, tokens, window);
      await refills;
    }
  }

  /** What a call that is not admitted took from the local quotas goes back to them. */
  private giveBackTake(take: LocalTake, tokens: number, window: number): void {
    this.quotas.untake(take, tokens, window);
    void this.freePlaces(take.leases);
  }

  private freeLeases(hold: RateLimitHold): Promise<void> {
    if (!this.leased.delete(hold.callId)) return Promise.resolve();
    return this.freePlaces(hold.leases);
  }

  /** Places a call held: kept free for the next call while the store allows, the rest given back now. */
  private freePlaces(leases: readonly Lease[]): Promise<void> {
    const now = this.clock.now().getTime();
    const back = leases.filter((lease) => !this.quotas.keepPlace(lease, now));
    if (back.length === 0) return Promise.resolve();
    return this.store
      .releaseLeases(back)
      .catch((error: unknown) => this.logger.warn(`A call's concurrency lease was not freed; it expires within ${this.options.rateLimitLeaseMs} ms. ${errorMessage(error)}`));
  }

  /** Slices no call used for a while (or all of them, on shutdown) go back to the store. Never rejects. */
  private giveBackIdle(everything: boolean): Promise<void> {
    const now = this.clock.now().getTime();
    const { corrections, leases } = this.quotas.giveBack(now, windowStart(now), everything);
    if (corrections.length === 0 && leases.length === 0) return Promise.resolve();
    return Promise.all([this.store.adjust(corrections), this.store.releaseLeases(leases)]).then(
      () => undefined,
      (error: unknown) => this.logger.warn(`Unused rate-limit slices were not given back; they lapse with their minute or lease. ${errorMessage(error)}`),
    );
  }

  private renew(): void {
    const leases = [...this.leased.values()].flatMap((hold) => hold.leases).concat(this.quotas.freeLeases());
    if (leases.length === 0) return;
    const until = this.clock.now().getTime() + this.options.rateLimitLeaseMs;
    this.store.renew(leases, until).then(
      (lost) => {
        if (lost.length === 0) return;
        // The store lost them (a restart, or they lapsed while it was away): a lost place must not admit another call.
        this.quotas.forget(lost);
        this.logger.warn(`${lost.length} concurrency lease(s) were gone from the store; their places are no longer used.`);
      },
      (error: unknown) => this.logger.warn(`Concurrency leases of running calls were not renewed this time. ${errorMessage(error)}`),
    );
  }
}
