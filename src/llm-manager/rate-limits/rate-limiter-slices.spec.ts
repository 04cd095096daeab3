import { TEST_REDIS_URL, TestRedisKeys } from '../../../test/support/redis-keys';
import { LocalQuotas } from './local-quotas';
import type { LimitCheck } from './rate-limit-rules';
import { RateLimiter } from './rate-limiter';
import { RedisRateLimitStore } from './redis-rate-limit-store';
import type { Acquired, Acquisition } from './rate-limit-store';
import { windowStart } from './rate-limit-window';

/** A Redis store whose next acquire can be held until released (a slow answer). */
class GatedStore extends RedisRateLimitStore {
  gate: Promise<void> | null = null;
  trips = 0;
  failNext = false;
  override async acquire(acquisition: Acquisition, now: number): Promise<Acquired> {
    this.trips += 1;
    if (this.failNext) {
      this.failNext = false;
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('connection lost');
    }
    const gate = this.gate;
    if (gate) {
      this.gate = null;
      await gate;
    }
    return super.acquire(acquisition, now);
  }
}

const check = (limits: Partial<LimitCheck>): LimitCheck => ({ key: 'u:a', scope: 'user', ruleId: null, rpm: null, tpm: null, concurrent: null, ...limits });

/**
 * The limiter with slices on a real Redis, at the edges a review found (each of these failed before its fix): a limit
 * changed while a refill is on its way, a minute turning under a waiting call, one limit without slices beside roomy
 * ones, leases Redis lost, Redis failing mid-refill, and a refill on its way at shutdown.
 */
describe('RateLimiter with slices on Redis: the edges', () => {
  let redis: TestRedisKeys;
  let store: GatedStore;
  let limiter: RateLimiter;
  let checks: LimitCheck[];
  let t: number;
  const requestsCounted = async (): Promise<{ r: number; t: number }> => {
    const key = `${redis.prefix}rl:u:a:w:${windowStart(t)}`;
    return { r: Number((await redis.client.hget(key, 'r')) ?? 0), t: Number((await redis.client.hget(key, 't')) ?? 0) };
  };
  const admit = (tokens: number) => limiter.admit({ userId: 'alice' } as never, async () => tokens)!;

  beforeEach(async () => {
    redis = new TestRedisKeys();
    await redis.keys();
    store = new GatedStore(TEST_REDIS_URL, redis.prefix, 30_000);
    await store.connect();
    t = windowStart(Date.now()) + 30_000;
    const rules = { applying: () => checks };
    const clock = { now: () => new Date(t) };
    limiter = new RateLimiter(rules as never, store, clock as never, { rateLimitLeaseMs: 30_000 } as never);
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await redis.close();
  });

  it('a limit changed while a refill is on its way: the old slice goes back once, and the store counts exactly the calls', async () => {
    checks = [check({ rpm: 100_000, tpm: 10_000_000 })];
    await admit(10); // trip 1: the call + a slice of 4 requests, 40 tokens
    expect(await requestsCounted()).toEqual({ r: 5, t: 50 });
    // A call with more tokens than the slice holds goes to the store, asking for a slice: held on its way.
    let release!: () => void;
    store.gate = new Promise((resolve) => (release = resolve));
    const second = admit(100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The limit changes meanwhile; a call under the new rule retires the old quota and gives it back.
    checks = [check({ rpm: 99_999, tpm: 10_000_000 })];
    await admit(10);
    release();
    await second;
    // Everything left goes back (shutdown): the store must count exactly the 3 calls admitted.
    await limiter.onApplicationShutdown();
    expect(await requestsCounted()).toEqual({ r: 3, t: 120 });
  });

  it('a call that read the clock before the minute turned leaves the new minute\'s slice alone', () => {
    const W = 60_000 * 1000;
    const quotas = new LocalQuotas(500);
    const rpm = check({ rpm: 100_000 });
    quotas.granted(quotas.wants([rpm], 0, 0)!, [{ requests: 8, tokens: 0, places: 0, keep: 0 }], 'c1', W + 60_000, 0);
    // A call that read the clock before the minute turned (waiting in fromSlices) takes with the old window.
    expect(quotas.take([rpm], 0, W, 1).missing).toEqual([rpm]);
    // The 8 requests counted in the new window are still there for the calls of that window.
    expect(quotas.take([rpm], 0, W + 60_000, 2).missing).toEqual([]);
  });

  it('a small rpm (no slices) beside a roomy tpm reserves no tokens ahead: all 50 calls that fit both pass', async () => {
    checks = [check({ rpm: 50, tpm: 100_000 })];
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) {
      outcomes.push(await admit(1000).then(() => 'ok', (error: { code?: string; details?: { limit?: string } }) => `${error.code}:${error.details?.limit}`));
    }
    // 50 calls of 1000 tokens fit rpm 50 and tpm 100 000 with room to spare.
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(50);
  });

  it('a small concurrent limit beside a roomy tpm: the same', async () => {
    checks = [check({ concurrent: 5, tpm: 100_000 })];
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) {
      outcomes.push(
        await admit(1000).then(
          async (hold) => {
            await limiter.end(hold!, Promise.resolve(1000));
            return 'ok';
          },
          (error: { code?: string; details?: { limit?: string } }) => `${error.code}:${error.details?.limit}`,
        ),
      );
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(50);
  });

  it('places whose leases Redis lost are dropped at the next renewal: never more than the limit in flight', async () => {
    checks = [check({ concurrent: 100 })];
    // A few calls one after another: the process keeps free places between them.
    for (let i = 0; i < 6; i++) await limiter.end((await admit(0))!, Promise.resolve(0));
    const leaseKey = `${redis.prefix}rl:u:a:c`;
    const kept = await redis.client.zcard(leaseKey);
    expect(kept).toBeGreaterThan(0);
    // Redis loses the lease set (a restart without persistence, or the leases lapsed while it did not answer).
    await redis.client.del(leaseKey);
    (limiter as unknown as { renew(): void }).renew();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const running = [];
    for (let i = 0; i < kept; i++) running.push((await admit(0))!);
    // Another instance now fills the limit from Redis's count.
    const other = new RateLimiter({ applying: () => checks } as never, store, { now: () => new Date(t) } as never, { rateLimitLeaseMs: 30_000 } as never);
    let otherOk = 0;
    for (let i = 0; i < 100; i++) {
      const ok = await other.admit({ userId: 'alice' } as never, async () => 0)!.then(() => true, () => false);
      if (ok) otherOk += 1;
    }
    expect(running.length + otherOk).toBeLessThanOrEqual(100);
  });

  it('a small rpm beside a roomy concurrent limit keeps no places nobody can use', async () => {
    checks = [check({ rpm: 50, concurrent: 1000 })];
    for (let i = 0; i < 40; i++) await limiter.end((await admit(0))!, Promise.resolve(0));
    const held = await redis.client.zcard(`${redis.prefix}rl:u:a:c`);
    // No call runs: at most a 16th of the room may be held ahead.
    expect(held).toBeLessThanOrEqual(1000 / 16);
  });

  it('Redis failing mid-refill: RATE_LIMITER_UNAVAILABLE for the call, its waiter goes on its own trip, nothing stays counted', async () => {
    const user = check({ key: 'u:a', rpm: 100_000, concurrent: 1000 });
    const slot = check({ key: 's:x', scope: 'slot' as never, rpm: 100_000, tpm: 10_000_000 });
    checks = [user];
    const first = (await admit(10))!; // user quota: 4 requests, 4 places
    checks = [user, slot];
    const firstBoth = (await admit(10))!; // user from its slice; slot: the call + a slice
    // A call that lacks the slot's tokens goes to Redis, which fails; another waits for that refill.
    store.failNext = true;
    const failing = admit(500).then(() => 'ok', (e: { code?: string }) => e.code);
    const waiting = admit(500).then(() => 'ok', (e: { code?: string }) => e.code);
    const outcomes = [await failing, await waiting];
    await limiter.end(first, Promise.resolve(10));
    await limiter.end(firstBoth, Promise.resolve(10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await limiter.onApplicationShutdown();
    const admitted = 2 + outcomes.filter((o) => o === 'ok').length;
    const r = Number((await redis.client.hget(`${redis.prefix}rl:u:a:w:${windowStart(t)}`, 'r')) ?? 0);
    const places = await redis.client.zcard(`${redis.prefix}rl:u:a:c`);
    expect(outcomes[0]).toBe('RATE_LIMITER_UNAVAILABLE');
    expect(r).toBe(admitted);
  });

  it('a refill on its way at shutdown: what it brings goes back too', async () => {
    checks = [check({ rpm: 100_000, concurrent: 1000 })];
    let release!: () => void;
    store.gate = new Promise((resolve) => (release = resolve));
    const call = admit(0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const shutdown = limiter.onApplicationShutdown();
    release();
    const hold = await call;
    await shutdown;
    const r = Number((await redis.client.hget(`${redis.prefix}rl:u:a:w:${windowStart(t)}`, 'r')) ?? 0);
    const places = await redis.client.zcard(`${redis.prefix}rl:u:a:c`);
    expect({ r, places }).toEqual({ r: 1, places: 1 });
  });
});
