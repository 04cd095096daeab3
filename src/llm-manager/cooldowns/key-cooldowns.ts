import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { CooldownOptions, ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { COOLDOWN_STORE, type CooldownStore, type KeyHealthState, type KeyRef } from './cooldown-store';
import { keyIdOf } from './key-id';

/** What is known to be cooled down, and when that was read. */
interface Snapshot {
  pairs: Map<string, KeyHealthState>;
  readAtMs: number;
}

/** One model a call may go to, as cooldowns see it; the names only for the log. */
export interface CoolingCandidate extends KeyRef {
  platformName: string;
  modelName: string;
}

/** How long a call waits for a stale snapshot to be read again before it goes on with the one it has. */
const READ_WAIT_MS = 100;
/** How long a call waits for its failure (or success) to be written before it goes on. */
const WRITE_WAIT_MS = 250;

const refKey = (ref: KeyRef): string => `${ref.platformId}\u0000${ref.keyId}`;

/**
 * Cooldowns (issue 18): a platform + key whose calls keep failing in a way another model could answer (429, 5xx,
 * timeout, unreachable) is skipped for a while by every instance sharing the store. The call path reads an in-process
 * snapshot at most `readCacheMs` old, so a warm call makes no query; each failure is one atomic upsert; a success
 * after failures deletes the pair's row. The store failing never fails a call: the pair is then taken as healthy.
 */
@Injectable()
export class KeyCooldowns {
  private readonly logger = new Logger('LlmManager');
  private snapshot: Snapshot = { pairs: new Map(), readAtMs: Number.NEGATIVE_INFINITY };
  private reading: Promise<void> | null = null;
  private readonly writing = new Set<Promise<void>>();
  /** The cooldown each pair's skip was last logged for (at warn once per cooldown; each further skip at debug). */
  private readonly skipLogged = new Map<string, number>();

  constructor(
    @Inject(COOLDOWN_STORE) private readonly store: CooldownStore,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    private readonly clock: Clock,
  ) {}

  /** The fingerprint stored for `apiKey` on `platformId`. */
  refFor(platformId: number, apiKey: string | null | undefined): KeyRef {
    return { platformId, keyId: keyIdOf(apiKey) };
  }

  /**
   * The candidates a call tries, in order: those not cooled down, in the chain's order; when every one is, the one
   * whose cooldown ends first (one try beats failing without trying). Each one left out is logged with its reason.
   */
  async inTurn<T>(candidates: readonly T[], describe: (candidate: T) => CoolingCandidate): Promise<T[]> {
    if (!this.options.cooldown || candidates.length === 0) return [...candidates];
    const pairs = await this.current();
    const now = this.nowMs();
    const until = candidates.map((candidate) => coolingUntil(pairs, describe(candidate), now));
    const open = candidates.filter((_, index) => until[index] === 0);
    const chosen = open.length > 0 ? open : [candidates[until.indexOf(Math.min(...until))]!];
    for (const [index, candidate] of candidates.entries()) {
      if (chosen.includes(candidate)) continue;
      const { platformName, modelName, ...ref } = describe(candidate);
      const key = refKey(ref);
      const reason = pairs.get(key)?.reason ?? 'unknown';
      const line = `Skipped ${platformName}/${modelName}: its platform key is cooling down until ${new Date(until[index]!).toISOString()} (${reason}).`;
      if (this.skipLogged.get(key) === until[index]) {
        this.logger.debug(line);
        continue;
      }
      // One line per pair and cooldown, however many calls skip it meanwhile; the map holds pairs that cooled down.
      if (this.skipLogged.size >= 1000) this.skipLogged.clear();
      this.skipLogged.set(key, until[index]!);
      this.logger.warn(line);
    }
    return chosen;
  }

  /** Until when the pair is cooled down, or null; from the snapshot (read again when stale). */
  async coolingUntil(ref: KeyRef): Promise<Date | null> {
    await this.fresh();
    return this.knownCoolingUntil(ref);
  }

  /** Reads the shared state again when the snapshot is stale, so that knownCoolingUntil answers from a fresh one. */
  async fresh(): Promise<void> {
    if (this.options.cooldown) await this.current();
  }

  /** Until when the pair is cooled down, or null, as the snapshot says now (no query: for views built in a loop). */
  knownCoolingUntil(ref: KeyRef): Date | null {
    if (!this.options.cooldown) return null;
    const until = coolingUntil(this.snapshot.pairs, ref, this.nowMs());
    return until === 0 ? null : new Date(until);
  }

  /** knownCoolingUntil of `apiKey` on the platform, as an ISO instant, for views. */
  knownCoolingIso(platformId: number, apiKey: string | null): string | null {
    return this.knownCoolingUntil(this.refFor(platformId, apiKey))?.toISOString() ?? null;
  }

  /** Whether any key of the platform is cooled down, as the snapshot says now. */
  platformCooling(platformId: number): boolean {
    const now = this.nowMs();
    return [...this.snapshot.pairs.values()].some((state) => state.platformId === platformId && state.coolingUntilMs > now);
  }

  /** Every pair cooled down now. */
  async cooling(): Promise<KeyHealthState[]> {
    if (!this.options.cooldown) return [];
    const now = this.nowMs();
    return [...(await this.current()).values()].filter((state) => state.coolingUntilMs > now);
  }

  /**
   * Counts a failure another model could have answered. `retryAfterMs`: the upstream's Retry-After, which a cooldown
   * it starts lasts at least. The call waits for the write at most WRITE_WAIT_MS: a database that does not answer
   * must not hold up the next model of the chain (the write goes on; `idle()` waits for it).
   */
  async recordFailure(candidate: CoolingCandidate, reason: string, retryAfterMs: number): Promise<void> {
    if (!this.options.cooldown) return;
    await this.bounded(this.writeFailure(candidate, reason, retryAfterMs, this.options.cooldown));
  }

  /** Resolves once every failure counted so far is written (or failed to be). */
  async idle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all([...this.writing]);
  }

  private async writeFailure(candidate: CoolingCandidate, reason: string, retryAfterMs: number, policy: CooldownOptions): Promise<void> {
    const { platformName, modelName, ...ref } = candidate;
    try {
      const before = this.snapshot.pairs.get(refKey(ref))?.coolingUntilMs ?? 0;
      const state = await this.store.recordFailure(ref, { nowMs: this.nowMs(), reason, retryAfterMs }, policy);
      this.snapshot.pairs.set(refKey(ref), state);
      if (state.coolingUntilMs > before) {
        this.logger.warn(
          `Platform ${platformName} (model ${modelName}): its key cools down until ${new Date(state.coolingUntilMs).toISOString()} ` +
            `after ${policy.allowedFails} failure(s) within ${policy.windowMs} ms (last: ${reason}).`,
        );
      }
    } catch (error) {
      this.logger.warn(`Could not record a failure of platform ${platformName} for cooldowns: ${errorMessage(error)}`);
    }
  }

  /** A success: the pair's failures and cooldowns are forgotten (a query only when some are known; waited as a failure's). */
  async recordSuccess(ref: KeyRef): Promise<void> {
    if (!this.options.cooldown || !this.snapshot.pairs.has(refKey(ref))) return;
    this.snapshot.pairs.delete(refKey(ref));
    await this.bounded(
      this.store.recordSuccess(ref).catch((error: unknown) => {
        this.logger.warn(`Could not record a success of platform ${ref.platformId} for cooldowns: ${errorMessage(error)}`);
      }),
    );
  }

  /** Waits for `write` at most WRITE_WAIT_MS; `idle()` waits for the rest. */
  private async bounded(write: Promise<void>): Promise<void> {
    this.writing.add(write);
    void write.finally(() => this.writing.delete(write));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** The snapshot, read again first when older than `readCacheMs` (waiting at most READ_WAIT_MS for it). */
  private async current(): Promise<Map<string, KeyHealthState>> {
    const policy = this.options.cooldown;
    if (policy && this.nowMs() - this.snapshot.readAtMs >= policy.readCacheMs) {
      this.reading ??= this.read().finally(() => (this.reading = null));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.reading, new Promise<void>((resolve) => (timer = setTimeout(resolve, READ_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return this.snapshot.pairs;
  }

  private async read(): Promise<void> {
    const readAtMs = this.nowMs();
    try {
      const states = await this.store.readAll();
      this.snapshot = { pairs: new Map(states.map((state) => [refKey(state), state])), readAtMs };
    } catch (error) {
      // Tried again on the next call after readCacheMs; meanwhile the last snapshot stands.
      this.snapshot.readAtMs = readAtMs;
      this.logger.warn(`Could not read cooldowns: ${errorMessage(error)}`);
    }
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}

/** Until when `ref` cools down (epoch ms), or 0 when it does not. */
function coolingUntil(pairs: Map<string, KeyHealthState>, ref: KeyRef, now: number): number {
  const until = pairs.get(refKey(ref))?.coolingUntilMs ?? 0;
  return until > now ? until : 0;
}
