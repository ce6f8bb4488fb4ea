import { and, eq, exists, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { oneTimeTokens } from '../../db/schema';
import { now } from '../../lib/clock';
import { hashToken } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { randomToken } from '../../lib/ids';

export type TokenPurpose = (typeof oneTimeTokens.$inferSelect)['purpose'];

/** How long each kind of emailed link works. */
export const TOKEN_TTL_SECONDS: Record<TokenPurpose, number> = {
  verify_email: 24 * 60 * 60,
  reset_password: 30 * 60,
};

/** Issues a 256-bit token; only its hash is stored. */
export async function issueToken(
  db: Database,
  purpose: TokenPurpose,
  user: { id: string; email: string },
): Promise<string> {
  const token = randomToken();
  const at = now();
  await db.insert(oneTimeTokens).values({
    tokenHash: hashToken(token),
    purpose,
    userId: user.id,
    email: user.email,
    createdAt: at,
    expiresAt: new Date(at.getTime() + TOKEN_TTL_SECONDS[purpose] * 1000),
  });
  return token;
}

export type OneTimeToken = typeof oneTimeTokens.$inferSelect;

/** The token's row if it is unused and unexpired, without spending it. */
export async function findUsableToken(db: Database, purpose: TokenPurpose, token: string): Promise<OneTimeToken> {
  const [row] = await db
    .select()
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.tokenHash, hashToken(token)),
        eq(oneTimeTokens.purpose, purpose),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, now()),
      ),
    )
    .limit(1);
  if (!row) throw new AppError('invalid_token', 'This link is invalid, expired or already used. Ask for a new one.');
  return row;
}

/**
 * The statement that spends a token: conditional on it being unused and
 * unexpired, so of two concurrent uses exactly one changes a row. Put it in
 * the same `db.batch` as the change the token authorises.
 */
export function spendToken(db: Database, purpose: TokenPurpose, token: string, at: Date) {
  return db
    .update(oneTimeTokens)
    .set({ usedAt: at })
    .where(
      and(
        eq(oneTimeTokens.tokenHash, hashToken(token)),
        eq(oneTimeTokens.purpose, purpose),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, at),
      ),
    )
    .returning({ userId: oneTimeTokens.userId });
}

/**
 * A condition true only inside the batch whose `spendToken(…, at)` spent the
 * token: the change it guards happens once, even under concurrent use.
 */
export function spentInThisBatch(db: Database, token: string, at: Date) {
  return exists(
    db
      .select({ one: sql`1` })
      .from(oneTimeTokens)
      .where(and(eq(oneTimeTokens.tokenHash, hashToken(token)), eq(oneTimeTokens.usedAt, at))),
  );
}
