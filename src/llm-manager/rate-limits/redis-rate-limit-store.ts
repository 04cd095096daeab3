import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { errorMessage } from '../common/error-message';
import { RateLimitStore, type Acquired, type Acquisition, type CounterCorrection, type Grant, type Lease } from './rate-limit-store';
import { WINDOW_MS, type RateLimitKind } from './rate-limit-window';

/**
 * Checks every limit of a call and counts it on all of them, or on none: one script, run atomically by Redis.
 * KEYS[2i-1] is check i's window hash (`r` requests, `t` tokens), KEYS[2i] its lease set (member → expiry ms).
 * ARGV: now, window TTL ms, call id, tokens, lease expiry, lease-set TTL ms, share, least, then per check rpm, tpm,
 * concurrent (0: none), the calls wanted beyond this one and their tokens each. Expired leases (a crashed process's)
 * are dropped before they are counted. Beyond the call a check grants a slice of whole calls (a request, the tokens
 * and a place each, as it limits them): at most 1/share of the calls its room holds, none when fewer than `least` fit,
 * so near a limit, and under a small one, every call counts alone. `keep`, the places the process may keep free, is
 * bounded the same way and by what the check's other limits allow. Answers {i, kind, requests, tokens, in flight} for
 * a refusal by check i, else {0, then per check: requests, tokens, places granted, places the process may keep}.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[4])
local share, least = tonumber(ARGV[7]), tonumber(ARGV[8])
local function calls(room, each)
  local whole = math.floor(room / each)
  if whole < least then return 0 end
  return math.floor(whole / share)
end
local n = #KEYS / 2
local answer = {0}
for i = 1, n do
  local b = 8 + (i - 1) * 5
  local rpm, tpm, conc = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  local wanted, each = tonumber(ARGV[b + 4]), math.max(1, tonumber(ARGV[b + 5]))
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
  local others = 1e15
  if rpm > 0 then others = math.min(others, calls(rpm - r - 1, 1)) end
  if tpm > 0 then others = math.min(others, calls(tpm - t - tokens, each)) end
  local k, keep = math.min(wanted, others), 0
  if conc > 0 then
    keep = math.min(calls(conc - inflight - 1, 1), others)
    k = math.min(k, keep)
  end
  answer[#answer + 1] = rpm > 0 and k or 0
  answer[#answer + 1] = tpm > 0 and k * each or 0
  answer[#answer + 1] = conc > 0 and k or 0
  answer[#answer + 1] = keep
end
for i = 1, n do
  local gr, gt, gp = answer[4 * i - 2], answer[4 * i - 1], answer[4 * i]
  redis.call('HINCRBY', KEYS[2 * i - 1], 'r', 1 + gr)
  redis.call('HINCRBY', KEYS[2 * i - 1], 't', tokens + gt)
  redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[2])
  if tonumber(ARGV[8 + (i - 1) * 5 + 3]) > 0 then
    redis.call('ZADD', KEYS[2 * i], ARGV[5], ARGV[3])
    for k = 1, gp do redis.call('ZADD', KEYS[2 * i], ARGV[5], ARGV[3] .. ':' .. k) end
    redis.call('PEXPIRE', KEYS[2 * i], ARGV[6])
  end
end
return answer
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

/** Beyond a call, a slice takes at most this share of the room a limit has left (1/16), and none under SLICE_LEAST_ROOM. */
const SLICE_SHARE = 16;
const SLICE_LEAST_ROOM = 64;
const NO_SPARE = [0, 1];

/**
 * Counters in Redis (`redisUrl` / `LLM_MGR_REDIS_URL`), shared by every instance that names the same Redis and key
 * prefix. Every key is prefixed and expires: windows two minutes after they start, lease sets `2 × leaseMs` after
 * their last use. Commands are never queued while Redis is away: they fail at once, and the limiter refuses the
 * call (`RATE_LIMITER_UNAVAILABLE`) rather than let it through unlimited.
 */
export class RedisRateLimitStore extends RateLimitStore {
  readonly backend = 'redis';
  readonly slices = true;
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

  async acquire(acquisition: Acquisition, now: number): Promise<Acquired> {
    const { checks, spares } = acquisition;
    const keys = checks.flatMap((check) => [this.windowKey(check.key, acquisition.windowStart), this.leaseKey(check.key)]);
    const limits = checks.flatMap((check, i) => {
      const spare = spares?.[i];
      return [check.rpm ?? 0, check.tpm ?? 0, check.concurrent ?? 0, ...(spare ? [spare.calls, spare.tokensPerCall] : NO_SPARE)];
    });
    const answer = await this.redis.rateLimitAcquire(
      keys.length,
      ...keys,
      now,
      WINDOW_TTL_MS,
      acquisition.callId,
      acquisition.tokens,
      acquisition.leaseUntil,
      2 * this.leaseMs,
      SLICE_SHARE,
      SLICE_LEAST_ROOM,
      ...limits,
    );
    const index = Number(answer[0]);
    if (index === 0) return { refusal: null, grants: spares === null ? null : grantsOf(answer, checks.length) };
    const [, kind, requests, tokens, inFlight] = answer;
    return {
      refusal: {
        check: checks[index - 1]!,
        kind: kind as RateLimitKind,
        state: { windowStart: acquisition.windowStart, requests: Number(requests), tokens: Number(tokens), inFlight: Number(inFlight) },
      },
    };
  }

  async releaseLeases(leases: readonly Lease[]): Promise<void> {
    if (leases.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const lease of leases) pipeline.zrem(this.leaseKey(lease.key), lease.member);
    await execOrThrow(pipeline);
  }

  async adjust(corrections: readonly CounterCorrection[]): Promise<void> {
    if (corrections.length === 0) return;
    const keys = corrections.map((c) => this.windowKey(c.key, c.windowStart));
    await this.redis.rateLimitAdjust(keys.length, ...keys, ...corrections.flatMap((c) => [c.requests, c.tokens]));
  }

  async renew(leases: readonly Lease[], until: number): Promise<readonly Lease[]> {
    if (leases.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const lease of leases) pipeline.zadd(this.leaseKey(lease.key), 'XX', 'CH', until, lease.member);
    for (const key of new Set(leases.map((lease) => lease.key))) pipeline.pexpire(this.leaseKey(key), 2 * this.leaseMs);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed) throw failed[0];
    // `XX CH` changes a member that is there (its expiry moves on) and adds none: 0 means the lease was lost.
    return leases.filter((_, i) => Number(results[i]![1]) === 0);
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

function grantsOf(answer: ReadonlyArray<number | string>, checks: number): Grant[] {
  return Array.from({ length: checks }, (_, i) => ({
    requests: Number(answer[4 * i + 1]),
    tokens: Number(answer[4 * i + 2]),
    places: Number(answer[4 * i + 3]),
    keep: Number(answer[4 * i + 4]),
  }));
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
