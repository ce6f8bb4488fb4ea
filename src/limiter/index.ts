import type { Env } from '../env';
import { AppError } from '../lib/errors';
import type { LimitDecision, LimitRule } from './limiter-object';

export type { LimitDecision, LimitRule } from './limiter-object';

function limiterFor(env: Env, key: string) {
  return env.LIMITER.get(env.LIMITER.idFromName(key));
}

function refuse(decision: LimitDecision, what: string): never {
  throw new AppError('rate_limited', `Too many ${what}. Try again in ${decision.retryAfterSeconds} s.`, {
    headers: { 'Retry-After': String(decision.retryAfterSeconds) },
  });
}

/** Counts one hit on `key`; throws 429 `rate_limited` with `Retry-After` when over the rule. */
export async function enforceLimit(env: Env, key: string, rule: LimitRule, what = 'requests'): Promise<void> {
  const decision = await limiterFor(env, key).consume(rule);
  if (!decision.allowed) refuse(decision, what);
}

/** Counts `cost` hits on `key` if they fit (nothing otherwise); the decision, for callers that word their own refusal. */
export async function consumeLimit(env: Env, key: string, rule: LimitRule, cost = 1): Promise<LimitDecision> {
  return limiterFor(env, key).consume(rule, cost);
}

/** Throws 429 if `key` is already at its limit, without counting a hit. */
export async function assertUnderLimit(env: Env, key: string, rule: LimitRule, what = 'requests'): Promise<void> {
  const decision = await limiterFor(env, key).peek(rule);
  if (!decision.allowed) refuse(decision, what);
}

/** Gives back one hit `enforceLimit` counted on `key` (an attempt that turned out not to be one the rule counts). */
export async function refundLimit(env: Env, key: string, cost = 1): Promise<void> {
  await limiterFor(env, key).refund(cost);
}

export async function resetLimit(env: Env, key: string): Promise<void> {
  await limiterFor(env, key).reset();
}
