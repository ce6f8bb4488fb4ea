import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { remotePasses, remotePassLedger } from '../../db/schema';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';

export type LedgerRow = typeof remotePassLedger.$inferSelect;

/**
 * Gives an account its starting passes the first time anything needs them, with the ledger
 * row that says so. Both statements are no-ops once the account has passes, so they can lead
 * any batch that reads or spends a balance.
 */
export function ensurePassesStatements(db: Database, userId: string, initial: number, at: Date) {
  return [
    db.insert(remotePasses).values({ userId, balance: initial }).onConflictDoNothing(),
    // Every column, in the table's order: drizzle names them all in the INSERT.
    db.insert(remotePassLedger).select(
      sql`SELECT ${newId()}, ${userId}, ${initial}, 'initial', NULL, NULL, ${at.getTime()}
        WHERE NOT EXISTS (SELECT 1 FROM remote_pass_ledger WHERE user_id = ${userId} AND reason = 'initial')`,
    ),
  ] as const;
}

export interface PublicLedgerEntry {
  id: string;
  delta: number;
  reason: LedgerRow['reason'];
  sessionId: string | null;
  actorId: string | null;
  createdAt: string;
}

export const toPublicLedgerEntry = (row: LedgerRow): PublicLedgerEntry => ({
  id: row.id,
  delta: row.delta,
  reason: row.reason,
  sessionId: row.sessionId,
  actorId: row.actorId,
  createdAt: row.createdAt.toISOString(),
});

/** The caller's balance and their ledger, newest first (at most `limit` entries). */
export async function passesOf(
  db: Database,
  userId: string,
  initial: number,
  limit = 100,
): Promise<{ balance: number; ledger: PublicLedgerEntry[] }> {
  const [, , [passes], ledger] = await db.batch([
    ...ensurePassesStatements(db, userId, initial, now()),
    db.select({ balance: remotePasses.balance }).from(remotePasses).where(eq(remotePasses.userId, userId)),
    db
      .select()
      .from(remotePassLedger)
      .where(eq(remotePassLedger.userId, userId))
      .orderBy(desc(remotePassLedger.id))
      .limit(limit),
  ]);
  return { balance: passes?.balance ?? 0, ledger: ledger.map(toPublicLedgerEntry) };
}

/** An admin's grant: the balance and its ledger row change together, in one batch. Returns the new balance. */
export async function grantPasses(
  db: Database,
  options: { actorId: string; userId: string; amount: number; initial: number },
): Promise<number> {
  const at = now();
  const [, , [passes]] = await db.batch([
    ...ensurePassesStatements(db, options.userId, options.initial, at),
    db
      .update(remotePasses)
      .set({ balance: sql`${remotePasses.balance} + ${options.amount}` })
      .where(eq(remotePasses.userId, options.userId))
      .returning({ balance: remotePasses.balance }),
    db.insert(remotePassLedger).values({
      id: newId(),
      userId: options.userId,
      delta: options.amount,
      reason: 'grant',
      actorId: options.actorId,
      createdAt: at,
    }),
  ]);
  return passes?.balance ?? 0;
}
