import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { consumeLimit, enforceLimit, refundLimit } from '../../limiter';
import { utcDay } from '../metrics/activity';

const DAY_SECONDS = 86_400;

function secondsUntilNextUtcDay(at = now()): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}

/** One Limiter object per user and UTC day: the key changes at midnight, so each day starts empty. */
const tokenKey = (userId: string, day: string) => `ai:tokens:${userId}:${day}`;

/** Counts one assistant request; 429 `rate_limited` with `Retry-After` past the per-minute limit. */
export async function countRequest(env: Env, userId: string, perMinute: number): Promise<void> {
  await enforceLimit(env, `ai:requests:${userId}`, { limit: perMinute, windowSeconds: 60 }, 'assistant requests');
}

/** What `reserveTokens` took, to settle once the answer's real cost is known. */
export interface TokenReservation {
  userId: string;
  day: string;
  tokens: number;
}

/**
 * Reserves the most a request can cost (its input and the longest answer) of the user's tokens
 * for today, in the Limiter Durable Object: one object per key runs one call at a time, so
 * parallel requests never spend past the budget. 429 `rate_limited` with `Retry-After` (the
 * next UTC day) when it does not fit.
 */
export async function reserveTokens(
  env: Env,
  userId: string,
  tokens: number,
  budget: number,
): Promise<TokenReservation> {
  const day = utcDay(now());
  const decision = await consumeLimit(
    env,
    tokenKey(userId, day),
    { limit: budget, windowSeconds: DAY_SECONDS },
    tokens,
  );
  if (!decision.allowed) {
    throw new AppError(
      'rate_limited',
      `This request needs up to ${tokens} tokens and only ${decision.remaining} of today's ${budget} are left. Try again tomorrow or start a shorter conversation.`,
      { headers: { 'Retry-After': String(secondsUntilNextUtcDay()) } },
    );
  }
  return { userId, day, tokens };
}

/**
 * Replaces a reservation with what the answer really cost: gives back the unused part, or
 * counts the excess when the input was longer in tokens than estimated (always counted, even
 * past the budget: the tokens are spent; the next request is the one refused).
 */
export async function settleTokens(env: Env, reservation: TokenReservation, used: number): Promise<void> {
  const key = tokenKey(reservation.userId, reservation.day);
  if (used < reservation.tokens) await refundLimit(env, key, reservation.tokens - used);
  else if (used > reservation.tokens) {
    await consumeLimit(
      env,
      key,
      { limit: Number.MAX_SAFE_INTEGER, windowSeconds: DAY_SECONDS },
      used - reservation.tokens,
    );
  }
}
