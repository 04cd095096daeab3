/** How many wrong tokens a client may send in a window before it has to wait. */
export interface AuthThrottleSettings {
  /** Wrong tokens allowed per client and window; `0` turns the throttle off. */
  maxFailures: number;
  /** Length of the window, and of the wait once the limit is reached. */
  windowSeconds: number;
}

interface ClientWindow {
  failures: number;
  startedAt: number;
}

/** Clients tracked at most; past it, finished windows go first, then the oldest, so memory stays bounded. */
const MAX_CLIENTS = 10_000;

/**
 * Counts failed authentications per client (its IP address) in fixed windows. A client that reached the limit gets
 * a wait (Retry-After) until its window ends, whatever it sends, so guessing tokens costs time and no database
 * lookups. Successful authentications are never counted. In memory, per instance: each instance of a cluster
 * throttles on its own.
 */
export class AuthFailureThrottle {
  private readonly clients = new Map<string, ClientWindow>();

  constructor(
    private readonly settings: AuthThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds `client` must wait before its next attempt; 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    if (this.settings.maxFailures === 0) return 0;
    const window = this.current(client);
    if (window === undefined || window.failures < this.settings.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.windowMs() - this.now()) / 1000));
  }

  recordFailure(client: string): void {
    if (this.settings.maxFailures === 0) return;
    const window = this.current(client);
    if (window !== undefined) {
      window.failures += 1;
      return;
    }
    this.makeRoom();
    this.clients.set(client, { failures: 1, startedAt: this.now() });
  }

  /** The client's window while it lasts; a finished one is forgotten. */
  private current(client: string): ClientWindow | undefined {
    const window = this.clients.get(client);
    if (window === undefined) return undefined;
    if (this.now() - window.startedAt < this.windowMs()) return window;
    this.clients.delete(client);
    return undefined;
  }

  private makeRoom(): void {
    if (this.clients.size < MAX_CLIENTS) return;
    const now = this.now();
    for (const [client, window] of this.clients) {
      if (now - window.startedAt >= this.windowMs()) this.clients.delete(client);
    }
    // Map order is insertion order: the first entry is the oldest window.
    while (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
  }

  private windowMs(): number {
    return this.settings.windowSeconds * 1000;
  }
}
