import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

export interface LimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface LimitDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets; 0 when allowed. */
  retryAfterSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * An exact counter for one key: one object per key (`idFromName(key)`), so
 * separate keys never contend and each key's count is serialised by the
 * object's single thread. KV cannot do this: it is eventually consistent and
 * takes one write per second per key.
 *
 * Fixed windows keep the state to two numbers in the object's SQLite-backed
 * synchronous KV; the window starts at the first hit, not on a clock boundary,
 * so a burst cannot straddle two windows.
 */
export class Limiter extends DurableObject<Env> {
  private read(rule: LimitRule, at: number): Window {
    const window = this.ctx.storage.kv.get<Window>('window');
    if (!window || at - window.startedAt >= rule.windowSeconds * 1000) return { startedAt: at, count: 0 };
    return window;
  }

  private decide(rule: LimitRule, window: Window, at: number, allowed: boolean): LimitDecision {
    const resetsIn = Math.max(1, Math.ceil((window.startedAt + rule.windowSeconds * 1000 - at) / 1000));
    return {
      allowed,
      remaining: Math.max(0, rule.limit - window.count),
      retryAfterSeconds: allowed ? 0 : resetsIn,
    };
  }

  /** Counts `cost` hits if they fit in the window; refuses (and counts nothing) otherwise. */
  consume(rule: LimitRule, cost = 1): LimitDecision {
    const at = Date.now();
    const window = this.read(rule, at);
    if (window.count + cost > rule.limit) return this.decide(rule, window, at, false);
    const next = { startedAt: window.startedAt, count: window.count + cost };
    this.ctx.storage.kv.put('window', next);
    return this.decide(rule, next, at, true);
  }

  /** Whether one more hit would be allowed, without counting it. */
  peek(rule: LimitRule): LimitDecision {
    const at = Date.now();
    const window = this.read(rule, at);
    return this.decide(rule, window, at, window.count < rule.limit);
  }

  /**
   * Gives back hits that `consume` counted, e.g. a sign-in attempt counted up
   * front (so concurrent guesses are exact) that turned out to succeed. Never
   * below zero: a window that restarted meanwhile owes nothing.
   */
  refund(cost = 1): void {
    const window = this.ctx.storage.kv.get<Window>('window');
    if (!window) return;
    this.ctx.storage.kv.put('window', { startedAt: window.startedAt, count: Math.max(0, window.count - cost) });
  }

  /** Forgets the window, e.g. failed sign-ins after a successful one. */
  reset(): void {
    this.ctx.storage.kv.delete('window');
  }
}
