import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { errorMessage } from '../common/error-message';
import { leasing, RateLimitStore, type CounterCorrection, type RateLimitHold, type StoreRefusal } from './rate-limit-store';
import { WINDOW_MS, type RateLimitKind } from './rate-limit-window';

/**
 * Checks every limit of a call and counts it on all of them, or on none: one script, run atomically by Redis.
 * KEYS[2i-1] is check i's window hash (`r` requests, `t` tokens), KEYS[2i] its lease set (call id → expiry ms).
 * ARGV: now, window TTL ms, call id, tokens, lease expiry, lease-set TTL ms, then rpm, tpm, concurrent of each check
 * (0: none). Expired leases (a crashed process's) are dropped before they are counted.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[4])
local n = #KEYS / 2
for i = 1, n do
  local base = 6 + (i - 1) * 3
  local rpm, tpm, conc = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local w = redis.call('HMGET', KEYS[2 * i - 1], 'r', 't')
  local r, t = tonumber(w[1] or '0'), tonumber(w[2] or '0')
  local inflight = 0
  if conc > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[2 * i], '-inf', '(' .. now)
    inflight = redis.call('ZCARD', KEYS[2 * i])
  end
  if rpm > 0 and r + 1 > rpm then return {i, 'rpm', r, t, inflight} end
  if tpm > 0 and t + tokens > tpm then return {i, 'tpm', r, t, inflight} end
  if conc > 0 and inflight + 1 > conc then return {i, 'concurrent', r, t, inflight} end
end
for i = 1, n do
  redis.call('HINCRBY', KEYS[2 * i - 1], 'r', 1)
  redis.call('HINCRBY', KEYS[2 * i - 1], 't', tokens)
  redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[2])
  if tonumber(ARGV[6 + (i - 1) * 3 + 3]) > 0 then
    redis.call('ZADD', KEYS[2 * i], ARGV[5], ARGV[3])
    redis.call('PEXPIRE', KEYS[2 * i], ARGV[6])
  end
end
return {0}
`;

/** Moves the counts of windows that still exist (an ended one expired with its counts): ARGV requests, tokens per key. */
const ADJUST = `
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HINCRBY', KEYS[i], 'r', ARGV[2 * i - 1])
    redis.call('HINCRBY', KEYS[i], 't', ARGV[2 * i])
  end
end
return 0
`;

interface ScriptedRedis extends Redis {
  rateLimitAcquire(numKeys: number, ...args: Array<string | number>): Promise<Array<number | string>>;
  rateLimitAdjust(numKeys: number, ...args: Array<string | number>): Promise<number>;
}

/** A window's keys outlive it by a minute, so a late correction of the window just ended still lands. */
const WINDOW_TTL_MS = 2 * WINDOW_MS;

/**
 * Counters in Redis (`redisUrl` / `LLM_MGR_REDIS_URL`), shared by every instance that names the same Redis and key
 * prefix. Every key is prefixed and expires: windows two minutes after they start, lease sets `2 × leaseMs` after
 * their last use. Commands are never queued while Redis is away: they fail at once, and the limiter refuses the
 * call (`RATE_LIMITER_UNAVAILABLE`) rather than let it through unlimited.
 */
export class RedisRateLimitStore extends RateLimitStore {
  readonly backend = 'redis';
  private readonly logger = new Logger('RateLimits');
  private readonly redis: ScriptedRedis;
  private reportedDown = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly leaseMs: number,
  ) {
    super();
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }) as ScriptedRedis;
    this.redis.defineCommand('rateLimitAcquire', { lua: ACQUIRE });
    this.redis.defineCommand('rateLimitAdjust', { lua: ADJUST });
    this.redis.on('error', (error: unknown) => {
      if (this.reportedDown) return;
      this.reportedDown = true;
      this.logger.warn(`Redis ${redactedUrl(url)} is not answering: calls with a rate limit are refused until it is back. ${errorMessage(error)}`);
    });
    this.redis.on('ready', () => {
      if (this.reportedDown) this.logger.log(`Redis ${redactedUrl(url)} is back.`);
      this.reportedDown = false;
    });
  }

  /** Connects; a Redis that is down now is only logged (calls are refused until it answers; it is retried). */
  async connect(): Promise<void> {
    // The 'error' listener has logged why; ioredis goes on reconnecting by itself.
    await this.redis.connect().catch(() => undefined);
  }

  async acquire(hold: RateLimitHold, now: number): Promise<StoreRefusal | null> {
    const keys = hold.checks.flatMap((check) => [this.windowKey(check.key, hold.windowStart), this.leaseKey(check.key)]);
    const limits = hold.checks.flatMap((check) => [check.rpm ?? 0, check.tpm ?? 0, check.concurrent ?? 0]);
    const answer = await this.redis.rateLimitAcquire(
      keys.length,
      ...keys,
      now,
      WINDOW_TTL_MS,
      hold.callId,
      hold.tokens,
      hold.leaseUntil,
      2 * this.leaseMs,
      ...limits,
    );
    const [index, kind, requests, tokens, inFlight] = answer;
    if (Number(index) === 0) return null;
    const check = hold.checks[Number(index) - 1]!;
    return {
      check,
      kind: kind as RateLimitKind,
      state: { windowStart: hold.windowStart, requests: Number(requests), tokens: Number(tokens), inFlight: Number(inFlight) },
    };
  }

  async releaseLeases(hold: RateLimitHold): Promise<void> {
    const leases = leasing(hold);
    if (leases.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const check of leases) pipeline.zrem(this.leaseKey(check.key), hold.callId);
    await execOrThrow(pipeline);
  }

  async adjust(corrections: readonly CounterCorrection[]): Promise<void> {
    if (corrections.length === 0) return;
    const keys = corrections.map((c) => this.windowKey(c.key, c.windowStart));
    await this.redis.rateLimitAdjust(keys.length, ...keys, ...corrections.flatMap((c) => [c.requests, c.tokens]));
  }

  async renew(holds: readonly RateLimitHold[], until: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const hold of holds) {
      for (const check of leasing(hold)) {
        pipeline.zadd(this.leaseKey(check.key), 'XX', until, hold.callId);
        pipeline.pexpire(this.leaseKey(check.key), 2 * this.leaseMs);
      }
    }
    if (pipeline.length > 0) await execOrThrow(pipeline);
  }

  async sweep(): Promise<number> {
    // Expired leases are dropped by the acquire script itself, and every key expires on its own.
    return 0;
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit();
    else this.redis.disconnect();
  }

  private windowKey(key: string, windowStart: number): string {
    return `${this.prefix}rl:${key}:w:${windowStart}`;
  }

  private leaseKey(key: string): string {
    return `${this.prefix}rl:${key}:c`;
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0];
}

/** Host and port only: a password in the URL never reaches a log line or an error. */
export function redactedUrl(url: string): string {
  if (!URL.canParse(url)) return '(an unparsable Redis URL)';
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}
