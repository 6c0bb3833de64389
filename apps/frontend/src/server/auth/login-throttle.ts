/**
 * Slows password guessing on local accounts: failed logins are counted per (user name, client address)
 * and per client address; past the limit further attempts are refused for a lock-out that doubles
 * with every further failure (capped), before any password is checked. A success clears the pair.
 * Counts live in the auth store's LoginFailureStore: memory with the files store, PostgreSQL (shared by
 * every replica) with a database.
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

/** Failures of one key so far (a pair or an address). */
export interface LoginFailures {
  failures: number;
  lastFailureAt: number;
}

/**
 * Where failures are counted: this process's memory (files store) or PostgreSQL (pg-store.ts), so that
 * replicas behind one load balancer share one count instead of granting each guesser N× the attempts.
 */
export interface LoginFailureStore {
  get(key: string): Promise<LoginFailures | undefined>;
  /** One more failure at `at`; a count last bumped before `forgetBefore` starts again from one. */
  bump(key: string, at: number, forgetBefore: number): Promise<LoginFailures>;
  clear(key: string): Promise<void>;
}

/** Keys kept at most; the oldest are forgotten first (a flood of fresh addresses cannot grow memory). */
const MAX_ENTRIES = 50_000;

export function memoryLoginFailures(): LoginFailureStore {
  const entries = new Map<string, LoginFailures>();
  return {
    async get(key) {
      return entries.get(key);
    },
    async bump(key, at, forgetBefore) {
      const old = entries.get(key);
      const e = { failures: old && old.lastFailureAt >= forgetBefore ? old.failures + 1 : 1, lastFailureAt: at };
      // Re-inserted so that the Map's order is least recently failed first.
      entries.delete(key);
      entries.set(key, e);
      while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      return e;
    },
    async clear(key) {
      entries.delete(key);
    },
  };
}

export class LoginThrottle {
  private readonly o: LoginThrottleOptions;
  private readonly now: () => number;

  constructor(
    options: Partial<LoginThrottleOptions> = {},
    private readonly store: LoginFailureStore = memoryLoginFailures(),
  ) {
    this.o = { ...LOGIN_THROTTLE_DEFAULTS, ...options };
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `username` may try again from `ip`; 0 when it may now. */
  async retryAfterSeconds(username: string, ip: string): Promise<number> {
    const [pair, addr] = await Promise.all([this.store.get(pairKey(username, ip)), this.store.get(ipKey(ip))]);
    const wait = Math.max(this.lockLeft(pair, this.o.maxFailures), this.lockLeft(addr, this.o.maxFailuresPerIp));
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  async failed(username: string, ip: string): Promise<void> {
    const at = this.now();
    const forgetBefore = at - this.memoryMs();
    await Promise.all([this.store.bump(pairKey(username, ip), at, forgetBefore), this.store.bump(ipKey(ip), at, forgetBefore)]);
  }

  async succeeded(username: string, ip: string): Promise<void> {
    await this.store.clear(pairKey(username, ip));
  }

  /** Failures older than this are forgotten (at least as long as the longest lock-out). */
  private memoryMs(): number {
    return Math.max(this.o.windowMs, this.o.maxLockMs);
  }

  private lockLeft(e: LoginFailures | undefined, limit: number): number {
    if (!e || this.now() - e.lastFailureAt > this.memoryMs() || e.failures < limit) return 0;
    const lock = Math.min(this.o.maxLockMs, this.o.lockMs * 2 ** Math.min(30, e.failures - limit));
    return e.lastFailureAt + lock - this.now();
  }
}

// Case-insensitive: guesses at `Admin` and `admin` share one count. The address comes first and never
// holds a space, so any user name keeps the key unambiguous (and free of NUL, which PostgreSQL text refuses).
const pairKey = (username: string, ip: string): string => `user ${ip} ${username.toLowerCase()}`;
const ipKey = (ip: string): string => `addr ${ip}`;
