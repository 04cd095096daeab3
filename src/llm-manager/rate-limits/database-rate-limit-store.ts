import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { isDeadlock } from '../database/duplicate-key';
import type { TransactionTurns } from '../database/transaction-turns';
import { RateLimitCounterEntity } from './rate-limit-counter.entity';
import { RateLimitLeaseEntity } from './rate-limit-lease.entity';
import type { LimitCheck } from './rate-limit-rules';
import { leasing, RateLimitStore, type Acquired, type Acquisition, type CounterCorrection, type Lease, type StoreRefusal } from './rate-limit-store';
import { brokenLimit } from './rate-limit-window';

const SWEEP_BATCH = 500;
const ATTEMPTS = 3;
const FRESH = 'window_start < :window';

/**
 * Counters in the database every instance shares (the default). A call is counted on each of its checks by one
 * conditional UPDATE (`requests < rpm AND tokens + estimate <= tpm AND in_flight < concurrent`, with a window that
 * ended counting as empty): the affected row count decides, never a read then a write, so N instances never let
 * through N times a limit. Several checks, or a lease, go in one transaction; a lease row is inserted before the
 * counters are locked, and released in the same order, so two calls never wait on each other in a cycle.
 */
export class DatabaseRateLimitStore extends RateLimitStore {
  readonly backend = 'database';
  /** Every call is one conditional statement here: no slices reserved ahead. */
  readonly slices = false;
  /** This process, as the owner that renews its leases. */
  private readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  /** Counter rows known to exist: created once, on a scope's first call. */
  private readonly known = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly turns: TransactionTurns,
  ) {
    super();
  }

  async connect(): Promise<void> {
    // The module's data source is open before any provider starts.
  }

  async acquire(hold: Acquisition, now: number): Promise<Acquired> {
    const refusal = await this.refusalOf(hold, now);
    return refusal === null ? { refusal: null, grants: null } : { refusal };
  }

  private async refusalOf(hold: Acquisition, now: number): Promise<StoreRefusal | null> {
    const checks = [...hold.checks].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await this.ensureCounters(checks);
    const leases = leasing(hold);
    if (checks.length === 1 && leases.length === 0) {
      const [only] = checks as [LimitCheck];
      return (await this.turns.run(() => this.count(this.dataSource.manager, only, hold))) ? null : this.refusal(only, hold, now);
    }
    const refused = await this.retryingDeadlocks(() =>
      this.turns.run(() =>
        this.dataSource.transaction(async (manager) => {
          if (leases.length > 0) {
            await manager.insert(
              RateLimitLeaseEntity,
              leases.map((check) => ({ callId: hold.callId, limitKey: check.key, owner: this.owner, expiresAt: hold.leaseUntil })),
            );
          }
          for (const check of checks) if (!(await this.count(manager, check, hold))) throw new Refused(check);
        }),
      ).then(
        () => null,
        (error: unknown) => {
          if (error instanceof Refused) return error.check;
          throw error;
        },
      ),
    );
    return refused === null ? null : this.refusal(refused, hold, now);
  }

  async releaseLeases(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.retryingDeadlocks(() =>
      this.turns.run(() =>
        this.dataSource.transaction(async (manager) => {
          for (const lease of leases) await this.releaseOne(manager, lease.member, lease.key);
        }),
      ),
    );
  }

  async adjust(corrections: readonly CounterCorrection[]): Promise<void> {
    for (const { key, windowStart, requests, tokens } of corrections) {
      // Only the window the calls were counted in: a window that ended since starts from zero anyway.
      await this.turns.run(() =>
        this.dataSource
          .createQueryBuilder()
          .update(RateLimitCounterEntity)
          .set({ requests: () => 'requests + :requests', tokens: () => 'tokens + :tokens' })
          .where('limit_key = :key AND window_start = :window', { key, window: windowStart, requests, tokens })
          .execute(),
      );
    }
  }

  async renew(leases: readonly Lease[], until: number): Promise<readonly Lease[]> {
    // The database never loses a lease of a live process: a lapsed one is freed by the sweep, and its call's end too.
    if (leases.length === 0) return [];
    await this.turns.run(() =>
      this.dataSource
        .createQueryBuilder()
        .update(RateLimitLeaseEntity)
        .set({ expiresAt: until })
        .where('owner = :owner', { owner: this.owner })
        .execute(),
    );
    return [];
  }

  async sweep(now: number): Promise<number> {
    let released = 0;
    for (;;) {
      const expired = await this.dataSource
        .getRepository(RateLimitLeaseEntity)
        .createQueryBuilder('l')
        .where('l.expiresAt < :now', { now })
        .orderBy('l.expiresAt', 'ASC')
        .take(SWEEP_BATCH)
        .getMany();
      for (const lease of expired) {
        const freed = await this.turns.run(() => this.dataSource.transaction((manager) => this.releaseOne(manager, lease.callId, lease.limitKey)));
        if (freed) released += 1;
      }
      if (expired.length < SWEEP_BATCH) return released;
    }
  }

  async close(): Promise<void> {
    // The data source belongs to the module; nothing of its own to close.
  }

  /** One DELETE whose affected row count decides who gives the place back: never twice (a late end and a sweep). */
  private async releaseOne(manager: EntityManager, callId: string, key: string): Promise<boolean> {
    const gone = await manager.delete(RateLimitLeaseEntity, { callId, limitKey: key });
    if ((gone.affected ?? 0) === 0) return false;
    await manager
      .createQueryBuilder()
      .update(RateLimitCounterEntity)
      .set({ inFlight: () => 'in_flight - 1' })
      .where('limit_key = :key', { key })
      .execute();
    return true;
  }

  /** The conditional UPDATE: true when the check had room and now counts the call. */
  private async count(manager: EntityManager, check: LimitCheck, hold: Acquisition): Promise<boolean> {
    // MySQL assigns left to right, each seeing the ones before: `window_start` goes last so the others read the old one.
    const query = manager
      .createQueryBuilder()
      .update(RateLimitCounterEntity)
      .set({
        requests: () => `CASE WHEN ${FRESH} THEN 1 ELSE requests + 1 END`,
        tokens: () => `CASE WHEN ${FRESH} THEN :tokens ELSE tokens + :tokens END`,
        ...(check.concurrent === null ? {} : { inFlight: () => 'in_flight + 1' }),
        windowStart: () => `CASE WHEN ${FRESH} THEN :window ELSE window_start END`,
      })
      .where('limit_key = :key', { key: check.key, window: hold.windowStart, tokens: hold.tokens });
    if (check.rpm !== null) query.andWhere(`(CASE WHEN ${FRESH} THEN 0 ELSE requests END) < :rpm`, { rpm: check.rpm });
    if (check.tpm !== null) query.andWhere(`(CASE WHEN ${FRESH} THEN 0 ELSE tokens END) + :tokens <= :tpm`, { tpm: check.tpm });
    if (check.concurrent !== null) query.andWhere('in_flight < :concurrent', { concurrent: check.concurrent });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }

  /** Each scope's counter row, created on its first call by an insert that does nothing when another made it first. */
  private async ensureCounters(checks: readonly LimitCheck[]): Promise<void> {
    const missing = checks.filter((check) => !this.known.has(check.key));
    if (missing.length === 0) return;
    await this.retryingDeadlocks(() =>
      this.turns.run(() =>
        this.dataSource
          .createQueryBuilder()
          .insert()
          .into(RateLimitCounterEntity)
          .values(missing.map((check) => ({ limitKey: check.key, windowStart: 0, requests: 0, tokens: 0, inFlight: 0 })))
          .orIgnore()
          .updateEntity(false)
          .execute(),
      ),
    );
    for (const check of missing) this.known.add(check.key);
  }

  private async refusal(check: LimitCheck, hold: Acquisition, now: number): Promise<StoreRefusal> {
    const row = await this.dataSource.getRepository(RateLimitCounterEntity).findOneBy({ limitKey: check.key });
    const state = row ? { windowStart: row.windowStart, requests: row.requests, tokens: row.tokens, inFlight: row.inFlight } : null;
    // Read after the refusal: another call may have ended since; the limit that was full is still the likeliest.
    const kind = (state && brokenLimit(check, state, hold.tokens, now)) ?? (check.rpm !== null ? 'rpm' : check.tpm !== null ? 'tpm' : 'concurrent');
    return { check, kind, state };
  }

  /** MariaDB may pick one of two statements as a deadlock victim: it did nothing, so it is run again. */
  private async retryingDeadlocks<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= ATTEMPTS || !isDeadlock(error)) throw error;
      }
    }
  }
}

class Refused extends Error {
  constructor(readonly check: LimitCheck) {
    super(`Refused by rate limit ${check.key}`);
  }
}
