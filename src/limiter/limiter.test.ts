import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors';
import { assertUnderLimit, enforceLimit, refundLimit, resetLimit } from '.';

const rule = { limit: 3, windowSeconds: 60 };
const key = () => `test:${crypto.randomUUID()}`;

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('the limiter', () => {
  it('should allow exactly the limit, then refuse with rate_limited and Retry-After', async () => {
    const k = key();
    for (let i = 0; i < rule.limit; i++) await enforceLimit(env, k, rule);
    const error = await refusal(enforceLimit(env, k, rule, 'sign-in attempts'));
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(Number(error.headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(Number(error.headers?.['Retry-After'])).toBeLessThanOrEqual(60);
    expect(error.message).toContain('sign-in attempts');
  });

  it('should count exactly under concurrency', async () => {
    const k = key();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => enforceLimit(env, k, rule)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(rule.limit);
  });

  it('should keep keys apart', async () => {
    const a = key();
    for (let i = 0; i < rule.limit; i++) await enforceLimit(env, a, rule);
    await expect(enforceLimit(env, key(), rule)).resolves.toBeUndefined();
  });

  it('should check without counting, and forget on reset', async () => {
    const k = key();
    await assertUnderLimit(env, k, rule);
    await assertUnderLimit(env, k, rule);
    for (let i = 0; i < rule.limit; i++) await enforceLimit(env, k, rule);
    expect((await refusal(assertUnderLimit(env, k, rule))).code).toBe('rate_limited');
    await resetLimit(env, k);
    await expect(assertUnderLimit(env, k, rule)).resolves.toBeUndefined();
  });

  it('should give back a refunded hit, and never count below zero', async () => {
    const k = key();
    for (let i = 0; i < rule.limit; i++) await enforceLimit(env, k, rule);
    await refundLimit(env, k);
    await enforceLimit(env, k, rule);
    expect((await refusal(enforceLimit(env, k, rule))).code).toBe('rate_limited');

    const fresh = key();
    await refundLimit(env, fresh);
    await enforceLimit(env, fresh, rule);
    await refundLimit(env, fresh);
    await refundLimit(env, fresh);
    for (let i = 0; i < rule.limit; i++) await enforceLimit(env, fresh, rule);
    expect((await refusal(enforceLimit(env, fresh, rule))).code).toBe('rate_limited');
  });
});
