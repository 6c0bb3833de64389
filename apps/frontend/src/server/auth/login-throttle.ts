/**
 * Slows password guessing on local accounts: failed logins are counted per (user name, client address)
 * and per client address; past the limit further attempts are refused for a lock-out that doubles
 * with every further failure (capped), before any password is checked. A success clears the pair.
 * State is in this process's memory: each frontend replica counts on its own.
 */
export interface LoginThrottleOptions {
  /** Failures of one user name from one address before it is locked out. */
  maxFailures: number;
  /** Failures from one address (any user names) before that address is locked out. */
  maxFailuresPerIp: number;
  /** How long failures are remembered. */
  windowMs: number;
  /** The first lock-out; each further failure doubles it, up to `maxLockMs`. */
  lockMs: number;
  maxLockMs: number;
  now?: () => number;
}

export const LOGIN_THROTTLE_DEFAULTS: LoginThrottleOptions = {
  maxFailures: 5,
  maxFailuresPerIp: 50,
  windowMs: 15 * 60_000,
  lockMs: 60_000,
  maxLockMs: 15 * 60_000,
};

interface Entry {
  failures: number;
  lastFailureAt: number;
}

/** Keys kept at most; the oldest are forgotten first (a flood of fresh addresses cannot grow memory). */
const MAX_ENTRIES = 50_000;

export class LoginThrottle {
  private readonly o: LoginThrottleOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: Partial<LoginThrottleOptions> = {}) {
    this.o = { ...LOGIN_THROTTLE_DEFAULTS, ...options };
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `username` may try again from `ip`; 0 when it may now. */
  retryAfterSeconds(username: string, ip: string): number {
    const wait = Math.max(this.lockLeft(pairKey(username, ip), this.o.maxFailures), this.lockLeft(ipKey(ip), this.o.maxFailuresPerIp));
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  failed(username: string, ip: string): void {
    this.bump(pairKey(username, ip));
    this.bump(ipKey(ip));
  }

  succeeded(username: string, ip: string): void {
    this.entries.delete(pairKey(username, ip));
  }

  private lockLeft(key: string, limit: number): number {
    const e = this.live(key);
    if (!e || e.failures < limit) return 0;
    const lock = Math.min(this.o.maxLockMs, this.o.lockMs * 2 ** Math.min(30, e.failures - limit));
    return e.lastFailureAt + lock - this.now();
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.now() - e.lastFailureAt > Math.max(this.o.windowMs, this.o.maxLockMs)) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private bump(key: string): void {
    const e = this.live(key) ?? { failures: 0, lastFailureAt: 0 };
    e.failures += 1;
    e.lastFailureAt = this.now();
    // Re-inserted so that the Map's order is least recently failed first.
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

// Case-insensitive: guesses at `Admin` and `admin` share one count.
const pairKey = (username: string, ip: string): string => `u\u0000${username.toLowerCase()}\u0000${ip}`;
const ipKey = (ip: string): string => `i\u0000${ip}`;
