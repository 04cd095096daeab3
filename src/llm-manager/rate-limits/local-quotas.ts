import type { LimitCheck } from './rate-limit-rules';
import type { CounterCorrection, Grant, Lease, SliceWant } from './rate-limit-store';
import type { RateLimits } from './rate-limit-window';

/** The first slice a refill asks for (in calls) beyond its own; it doubles while refills come quickly, up to MAX_SLICE. */
const FIRST_SLICE = 4;
const MAX_SLICE = 64;
/** Refills closer than this make the next slice twice as large; a later one starts small again. */
const GROW_WITHIN_MS = 1000;

/** What this process holds ahead of one check's counter (a key): reserved in the shared store, used by no call yet. */
interface Quota {
  /** The counter's key, and the limits its slices were granted under. */
  readonly key: string;
  readonly limits: RateLimits;
  windowStart: number;
  requests: number;
  tokens: number;
  /** Places among the concurrent calls this process holds in the store that no running call uses. */
  readonly free: string[];
  /** How many free places it may keep as calls end (the store's last word); beyond it a place goes back at once. */
  keep: number;
  slice: number;
  lastRefill: number;
  lastUse: number;
  /** A refill asking for a slice is on its way (settles when it lands): others wait for it, or ask for their call alone. */
  refilling: Refill | null;
  /** The prompts' estimates, averaged: how many tokens a slice of calls should reserve. */
  tokensPerCall: number;
}

interface Refill {
  readonly landed: Promise<void>;
  readonly land: () => void;
}

function refill(): Refill {
  let land!: () => void;
  const landed = new Promise<void>((resolve) => (land = resolve));
  return { landed, land };
}

/** A refill on its way: what was asked for, per check, and the quotas it is for (`null`: asked for nothing). */
export interface Refilling {
  readonly spares: readonly SliceWant[];
  readonly quotas: ReadonlyArray<Quota | null>;
}

/** What a call took from the local quotas: the places it holds (a lease each) and the checks they did not cover. */
export interface LocalTake {
  readonly leases: Lease[];
  readonly missing: LimitCheck[];
  /** The quotas the call drew from, with its check (given back to them if the rest of its admission fails). */
  readonly covered: Array<{ check: LimitCheck; quota: Quota }>;
}

/** What idle quotas give back to the store: counts of windows still running, and free places. */
export interface Returned {
  corrections: CounterCorrection[];
  leases: Lease[];
}

const sameLimits = (a: RateLimits, b: RateLimits): boolean => a.rpm === b.rpm && a.tpm === b.tpm && a.concurrent === b.concurrent;

function landed(quota: Quota): void {
  quota.refilling?.land();
  quota.refilling = null;
}

/**
 * Slices of shared rate limits reserved ahead by this process (on Redis), so most calls are admitted without a round
 * trip. A call takes one request, its tokens and a place from the slices of every check it falls under; when one of
 * them is short it goes to the store, which counts the call and, while the limit has room, a slice of whole calls (a
 * request, the average tokens and a place each, as the check limits them) of at most 1/16 of the room left. The store
 * counts every slice when it grants it, so the instances together never admit more than a limit; near a limit slices
 * shrink to nothing and every call is counted on its own. The price: a slice that one instance holds and does not use
 * is room another cannot use, until it is given back after `idleMs` without use.
 */
export class LocalQuotas {
  private readonly quotas = new Map<string, Quota>();
  /** Quotas of limits that changed since their slices were granted: given back at the next `giveBack`. */
  private retired: Quota[] = [];
  /** Places the store no longer holds (lost leases): never kept for another call. */
  private readonly lost = new Set<string>();
  private closing = false;

  constructor(private readonly idleMs: number) {}

  /** Whether slices of limits that changed wait to go back (before the next trip to the store, so it sees them gone). */
  get hasRetired(): boolean {
    return this.retired.length > 0;
  }

  /** Takes what `checks` need from the quotas of the window `windowStart`, all or nothing per check. */
  take(checks: readonly LimitCheck[], tokens: number, windowStart: number, now: number): LocalTake {
    const taken: LocalTake = { leases: [], missing: [], covered: [] };
    for (const check of checks) {
      const quota = this.current(check);
      if (quota === undefined || !covers(quota, check, tokens, windowStart)) {
        taken.missing.push(check);
        continue;
      }
      if (check.rpm !== null) quota.requests -= 1;
      if (check.tpm !== null) quota.tokens -= tokens;
      if (check.concurrent !== null) taken.leases.push({ key: check.key, member: quota.free.pop()! });
      quota.lastUse = now;
      taken.covered.push({ check, quota });
    }
    return taken;
  }

  /** Puts back the requests and tokens `take` took (the call's admission failed elsewhere); its leases go through `keepPlace`. */
  untake(take: LocalTake, tokens: number, windowStart: number): void {
    for (const { check, quota } of take.covered) {
      if (quota.windowStart !== windowStart) continue;
      if (check.rpm !== null) quota.requests += 1;
      if (check.tpm !== null) quota.tokens += tokens;
    }
  }

  /**
   * What to ask the store for beyond the call, per check of `missing` (same order), and the quotas that wait for it;
   * `null` when nothing (a refill of every one of them is already on its way, or the process is closing). Settle it
   * with `granted` or `failed`.
   */
  wants(missing: readonly LimitCheck[], tokens: number, now: number): Refilling | null {
    if (this.closing) return null;
    let any = false;
    const quotas: Array<Quota | null> = [];
    const spares = missing.map((check): SliceWant => {
      const quota = this.quotaOf(check, tokens);
      if (quota.refilling) {
        quotas.push(null);
        return { calls: 0, tokensPerCall: 1 };
      }
      quota.refilling = refill();
      quotas.push(quota);
      any = true;
      quota.slice = now - quota.lastRefill < GROW_WITHIN_MS ? Math.min(MAX_SLICE, quota.slice * 2) : FIRST_SLICE;
      quota.lastRefill = now;
      quota.tokensPerCall = Math.max(1, Math.ceil((quota.tokensPerCall * 3 + tokens) / 4));
      return { calls: quota.slice, tokensPerCall: quota.tokensPerCall };
    });
    return any ? { spares, quotas } : null;
  }

  /** The store counted the call and granted `grants` (per check, as asked) to the process, places named `<callId>:n`. */
  granted(refilling: Refilling, grants: readonly Grant[] | null, callId: string, windowStart: number, now: number): void {
    refilling.quotas.forEach((quota, i) => {
      if (quota === null) return;
      landed(quota);
      const grant = grants?.[i];
      if (!grant) return;
      if (quota.windowStart < windowStart) Object.assign(quota, { windowStart, requests: 0, tokens: 0 });
      // A grant of a window that has ended since (a slow answer) brings places only.
      if (quota.windowStart === windowStart) {
        quota.requests += grant.requests;
        quota.tokens += grant.tokens;
      }
      for (let n = 1; n <= grant.places; n++) quota.free.push(`${callId}:${n}`);
      quota.keep = grant.keep;
      quota.lastUse = now;
      // Its limit changed (or the process closed) while the slice was on its way: it goes back with the next give-back.
      if (this.quotas.get(quota.key) !== quota && !this.retired.includes(quota)) this.retired.push(quota);
    });
  }

  /** The store did not answer a refill: others may ask again. */
  failed(refilling: Refilling): void {
    for (const quota of refilling.quotas) if (quota !== null) landed(quota);
  }

  /** When every one of `missing` has a refill on its way: the moment they have all landed (then take again). */
  refills(missing: readonly LimitCheck[]): Promise<unknown> | null {
    const landing: Array<Promise<void>> = [];
    for (const check of missing) {
      const on = this.current(check)?.refilling;
      if (!on) return null;
      landing.push(on.landed);
    }
    return Promise.all(landing);
  }

  /** A call's place: kept free for the next call while the store allows (`keep`), else `false` (give it back). */
  keepPlace(lease: Lease, now: number): boolean {
    if (this.lost.delete(lease.member)) return false;
    const quota = this.quotas.get(lease.key);
    if (quota === undefined || this.closing || quota.free.length >= quota.keep) return false;
    quota.free.push(lease.member);
    quota.lastUse = now;
    return true;
  }

  /** Every place held free now (renewed with the running calls' leases). */
  freeLeases(): Lease[] {
    return [...this.quotas.values(), ...this.retired].flatMap((quota) => quota.free.map((member) => ({ key: quota.key, member })));
  }

  /**
   * Places whose lease the store no longer has (it restarted, or they lapsed while it did not answer): dropped, and
   * never kept for another call when a running call holding one ends.
   */
  forget(leases: readonly Lease[]): void {
    for (const lease of leases) {
      const free = this.quotas.get(lease.key)?.free;
      const at = free?.indexOf(lease.member) ?? -1;
      if (at >= 0) free!.splice(at, 1);
      else this.lost.add(lease.member);
    }
  }

  /** No slices from now on (shutdown); resolves once every refill on its way has landed, so `giveBack` gets it all. */
  close(): Promise<unknown> {
    this.closing = true;
    return Promise.all([...this.quotas.values()].flatMap((quota) => (quota.refilling ? [quota.refilling.landed] : [])));
  }

  /** Gives back what quotas unused for `idleMs` hold (or all of it, `everything`), and empties them. */
  giveBack(now: number, currentWindow: number, everything = false): Returned {
    const returned: Returned = { corrections: [], leases: [] };
    const idle = [...this.quotas.values()].filter((quota) => everything || (!quota.refilling && now - quota.lastUse >= this.idleMs));
    for (const quota of idle.concat(this.retired)) {
      const { key } = quota;
      if (quota.windowStart === currentWindow && (quota.requests > 0 || quota.tokens > 0)) {
        returned.corrections.push({ key, windowStart: quota.windowStart, requests: 0 - quota.requests, tokens: 0 - quota.tokens });
      }
      returned.leases.push(...quota.free.map((member) => ({ key, member })));
      // Emptied, not only forgotten: a refill still on its way lands in it, and must not give this back twice.
      quota.requests = 0;
      quota.tokens = 0;
      quota.free.length = 0;
      if (this.quotas.get(key) === quota) this.quotas.delete(key);
    }
    this.retired = [];
    return returned;
  }

  /** The check's quota, if its slices were granted under the check's limits; one granted under others is retired. */
  private current(check: LimitCheck): Quota | undefined {
    const quota = this.quotas.get(check.key);
    if (quota === undefined || sameLimits(quota.limits, check)) return quota;
    this.quotas.delete(check.key);
    this.retired.push(quota);
    return undefined;
  }

  private quotaOf(check: LimitCheck, tokens: number): Quota {
    let quota = this.current(check);
    if (quota === undefined) {
      quota = {
        key: check.key, limits: { rpm: check.rpm, tpm: check.tpm, concurrent: check.concurrent }, windowStart: 0, requests: 0, tokens: 0, free: [], keep: 0,
        slice: FIRST_SLICE, lastRefill: Number.NEGATIVE_INFINITY, lastUse: 0, refilling: null, tokensPerCall: Math.max(1, tokens),
      };
      this.quotas.set(check.key, quota);
    }
    return quota;
  }
}

/**
 * Whether the quota holds what one call of `check` needs in the window `windowStart`. A quota of an earlier window
 * starts the new one empty; a call that read the clock before the minute turned never touches a newer one.
 */
function covers(quota: Quota, check: LimitCheck, tokens: number, windowStart: number): boolean {
  if (quota.windowStart > windowStart && (check.rpm !== null || check.tpm !== null)) return false;
  if (quota.windowStart < windowStart) Object.assign(quota, { windowStart, requests: 0, tokens: 0 });
  return (
    (check.rpm === null || quota.requests >= 1) &&
    (check.tpm === null || quota.tokens >= tokens) &&
    (check.concurrent === null || quota.free.length > 0)
  );
}
