// Login throttles. Per client address: @fastify/rate-limit on the login route (routes.ts). Per account:
// this in-process fixed window, keyed on the normalised email whether or not an account has it, so a 429
// never tells which emails exist. Both live in this process's memory: with several instances behind a
// load balancer each counts on its own (N instances allow N times the limit); the account lockout, kept
// in the database, stays the shared bound (docs/compliance/accounts.md).
import type { Clock } from '../../platform/auth/authenticator.ts';
import { HttpProblem } from '../../platform/http/problem.ts';

export interface LoginThrottleSettings {
  /** Login attempts one client address may make per window. */
  perAddress: number;
  /** Login attempts one email may receive per window, from any address; a successful login resets it. */
  perAccount: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_THROTTLE: Readonly<LoginThrottleSettings> = Object.freeze({
  perAddress: 50,
  perAccount: 10,
  windowSeconds: 60,
});

/** A 429; the error handler sends `retryAfterSeconds` as Retry-After. */
export class LoginThrottled extends HttpProblem {
  constructor(retryAfterSeconds: number, detail: string) {
    super(429, 'rate-limited', 'Too many requests', detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export const loginThrottledDetail = (seconds: number) =>
  `Too many login attempts: retry in ${seconds} s (the Retry-After header)`;

/**
 * Counts attempts per key in fixed windows. An attempt is counted when it starts, so a burst of parallel
 * attempts cannot all pass before the first failure is known. Bounded: the least recently used key makes
 * room, and a key under attack is the most recently used.
 */
export class AccountThrottle {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly capacity = 10_000,
  ) {}

  /** Counts an attempt; refuses it when the key already had `max` in the current window. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.clock().getTime();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) window = { start: now, count: 0 };
    window.count += 1;
    this.windows.delete(key);
    this.windows.set(key, window);
    if (this.windows.size > this.capacity) this.windows.delete(this.windows.keys().next().value!);
    if (window.count <= this.max) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)),
    };
  }

  /** The right credentials were given: the account's count starts again. */
  forgive(key: string): void {
    this.windows.delete(key);
  }
}
