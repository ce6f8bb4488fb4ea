import { isNotNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/client';
import { devOutbox, oneTimeTokens, otpCodes, sessions } from '../db/schema';
import { now } from '../lib/clock';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CleanupReport {
  sessions: number;
  oneTimeTokens: number;
  otpCodes: number;
  devOutbox: number;
}

/**
 * Deletes what has expired. Revoked and expired sessions are kept a day so a
 * replayed refresh token inside that day still reads as "reused", not unknown.
 * One `db.batch` is one D1 transaction, so a failure leaves nothing half-swept.
 */
export async function cleanupExpired(db: Database): Promise<CleanupReport> {
  const at = now().getTime();
  const dayAgo = new Date(at - DAY_MS);
  const [deadSessions, deadTokens, deadCodes, oldMessages] = await db.batch([
    db
      .delete(sessions)
      .where(or(lt(sessions.expiresAt, dayAgo), lt(sessions.idleExpiresAt, dayAgo), lt(sessions.revokedAt, dayAgo)))
      .returning({ id: sessions.id }),
    db
      .delete(oneTimeTokens)
      .where(or(lt(oneTimeTokens.expiresAt, new Date(at)), isNotNull(oneTimeTokens.usedAt)))
      .returning({ id: oneTimeTokens.tokenHash }),
    db
      .delete(otpCodes)
      .where(or(lt(otpCodes.expiresAt, new Date(at)), isNotNull(otpCodes.usedAt)))
      .returning({ id: otpCodes.id }),
    db
      .delete(devOutbox)
      .where(lt(devOutbox.createdAt, new Date(at - 7 * DAY_MS)))
      .returning({ id: devOutbox.id }),
  ]);
  return {
    sessions: deadSessions.length,
    oneTimeTokens: deadTokens.length,
    otpCodes: deadCodes.length,
    devOutbox: oldMessages.length,
  };
}
