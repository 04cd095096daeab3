/**
 * Proves a test stays on loopback: while installed, any socket connect or DNS lookup for a host other than
 * localhost / 127.0.0.0/8 / ::1 throws at once and is recorded. Recording matters because some libraries swallow
 * the error (LangChain's token counter falls back to an estimate after failing to fetch tiktoken ranks), so a test
 * asserts `violations` is empty rather than relying on a throw reaching it.
 *
 * @example
 *   const guard = forbidExternalNetwork();
 *   try { await llm.invoke('hi'); } finally { guard.restore(); }
 *   expect(guard.violations).toEqual([]);
 * or, for a whole file: `useNoNetworkGuard();` at the top of a describe block.
 */
import dns from 'node:dns';
import { Socket } from 'node:net';

export interface NetworkGuard {
  /** `host:port` (or a bare host for DNS lookups) of every refused attempt, oldest first. */
  readonly violations: readonly string[];
  /** Puts the original functions back; safe to call twice. */
  restore(): void;
}

export class ExternalNetworkError extends Error {
  constructor(readonly target: string) {
    super(`Network access outside loopback is forbidden in tests: ${target}`);
    this.name = 'ExternalNetworkError';
  }
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    bare === '0:0:0:0:0:0:0:1' ||
    /^127\.\d+\.\d+\.\d+$/.test(bare) ||
    /^::ffff:127\.\d+\.\d+\.\d+$/.test(bare)
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The remote host of a `Socket#connect` call, or undefined for a local (IPC) path. Node's own `net.connect`
 * passes its normalised `[options, callback]` array as the single argument, hence the unwrapping.
 */
function connectTarget(args: unknown[]): string | undefined {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (isRecord(first)) {
    if (typeof first['path'] === 'string') return undefined;
    return `${typeof first['host'] === 'string' ? first['host'] : 'localhost'}:${String(first['port'])}`;
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${String(first)}`;
  }
  return undefined;
}

function hostOf(target: string): string {
  return target.replace(/:[^:]*$/, '');
}

type Patchable = Record<string, unknown>;
type GuardedFunction = (this: unknown, ...args: unknown[]) => unknown;
type Check = (args: unknown[]) => Error | undefined;

/** Replaces `owner[name]` with a version that first runs `check`; returns the undo. */
function wrapWithCheck(owner: Patchable, name: string, check: Check, returnsPromise: boolean): () => void {
  const original = owner[name] as GuardedFunction;
  owner[name] = function guarded(this: unknown, ...args: unknown[]): unknown {
    const error = check(args);
    if (error === undefined) return original.apply(this, args);
    // Promise APIs must reject, not throw, or callers that only attach .catch() would crash.
    if (returnsPromise) return Promise.reject(error);
    throw error;
  };
  return () => {
    owner[name] = original;
  };
}

/** Installs the guard; `restore()` it in a finally / afterEach. */
export function forbidExternalNetwork(): NetworkGuard {
  const violations: string[] = [];
  /** Records the attempt and returns the error to raise, or undefined when `host` is loopback. */
  const refusal = (target: string | undefined, host: string | undefined): ExternalNetworkError | undefined => {
    if (target === undefined || host === undefined || isLoopbackHost(host)) return undefined;
    violations.push(target);
    return new ExternalNetworkError(target);
  };
  const checkConnect: Check = (args) => {
    const target = connectTarget(args);
    return refusal(target, target === undefined ? undefined : hostOf(target));
  };
  const checkLookup: Check = (args) => {
    const host = typeof args[0] === 'string' ? args[0] : undefined;
    return refusal(host, host);
  };
  const restorers = [
    wrapWithCheck(Socket.prototype as unknown as Patchable, 'connect', checkConnect, false),
    wrapWithCheck(dns as unknown as Patchable, 'lookup', checkLookup, false),
    wrapWithCheck(dns.promises as unknown as Patchable, 'lookup', checkLookup, true),
  ];

  return {
    violations,
    restore(): void {
      restorers.splice(0).reverse().forEach((restoreOne) => restoreOne());
    },
  };
}

/** Guards every test of the enclosing describe block and fails any test that tried to leave loopback. */
export function useNoNetworkGuard(): void {
  let guard: NetworkGuard | undefined;
  beforeEach(() => {
    guard = forbidExternalNetwork();
  });
  afterEach(() => {
    guard?.restore();
    expect(guard?.violations ?? []).toEqual([]);
  });
}
