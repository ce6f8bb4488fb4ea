import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { refreshTokens, sessions } from '../../db/schema';
import { now } from '../../lib/clock';
import { hashToken, seal, unseal } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { newId, randomToken } from '../../lib/ids';
import { markSessionsRevoked } from './revocation';

export const SESSION_IDLE_SECONDS = 30 * 24 * 60 * 60;
export const SESSION_ABSOLUTE_SECONDS = 90 * 24 * 60 * 60;
/** Concurrent refreshes with one token inside this window all get the same new token. */
export const REFRESH_GRACE_SECONDS = 10;

export type Session = typeof sessions.$inferSelect;

export interface Device {
  client: 'web' | 'native';
  userAgent: string | null;
  ip: string | null;
}

export interface IssuedSession {
  session: Session;
  refreshToken: string;
}

function deviceLabel(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[1]?.replace('Edg', 'Edge') ?? null;
  const os = /(Windows|Android|iPhone|iPad|Mac OS X|Linux)/.exec(userAgent)?.[1]?.replace('Mac OS X', 'macOS') ?? null;
  return [browser, os].filter(Boolean).join(' on ') || userAgent.slice(0, 60);
}

/** Starts a refresh-token family for a user who has just proved who they are. */
export async function startSession(db: Database, userId: string, device: Device): Promise<IssuedSession> {
  const refreshToken = randomToken();
  const tokenHash = hashToken(refreshToken);
  const at = now();
  const session: Session = {
    id: newId(),
    userId,
    client: device.client,
    deviceLabel: deviceLabel(device.userAgent),
    userAgent: device.userAgent?.slice(0, 512) ?? null,
    ip: device.ip,
    currentTokenHash: tokenHash,
    createdAt: at,
    lastUsedAt: at,
    idleExpiresAt: new Date(at.getTime() + SESSION_IDLE_SECONDS * 1000),
    expiresAt: new Date(at.getTime() + SESSION_ABSOLUTE_SECONDS * 1000),
    revokedAt: null,
    revokedReason: null,
  };
  await db.batch([
    db.insert(sessions).values(session),
    db.insert(refreshTokens).values({ tokenHash, sessionId: session.id, createdAt: at }),
  ]);
  return { session, refreshToken };
}

async function findToken(db: Database, tokenHash: string) {
  const [row] = await db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .limit(1);
  return row;
}

function isLive(session: Session, at: Date): boolean {
  return !session.revokedAt && session.expiresAt > at && session.idleExpiresAt > at;
}

/**
 * Exchanges a refresh token for the next one. The spend is one conditional
 * statement (`WHERE replaced_at IS NULL`), so exactly one of any number of
 * concurrent refreshes wins; the others find the token replaced moments ago
 * and open the successor sealed under their own token. Any other replay means
 * the token leaked: the whole family is revoked.
 */
export async function rotateRefreshToken(db: Database, kv: KVNamespace, refreshToken: string): Promise<IssuedSession> {
  const tokenHash = hashToken(refreshToken);
  const found = await findToken(db, tokenHash);
  const at = now();
  if (!found || !isLive(found.session, at)) {
    throw new AppError('unauthorized', 'The refresh token is not valid or the session has ended.');
  }
  const { session } = found;

  if (!found.token.replacedAt) {
    const next = randomToken();
    const nextHash = hashToken(next);
    const sealed = await seal(refreshToken, next);
    const idleExpiresAt = new Date(Math.min(at.getTime() + SESSION_IDLE_SECONDS * 1000, session.expiresAt.getTime()));
    const [spend] = await db.$client.batch([
      db.$client
        .prepare(
          'UPDATE refresh_tokens SET replaced_at = ?1, sealed_successor = ?2 WHERE token_hash = ?3 AND replaced_at IS NULL',
        )
        .bind(at.getTime(), sealed, tokenHash),
      // changes() is the row count of the statement just above, in this same transaction.
      db.$client
        .prepare(
          'INSERT INTO refresh_tokens (token_hash, session_id, created_at) SELECT ?1, ?2, ?3 WHERE changes() = 1',
        )
        .bind(nextHash, session.id, at.getTime()),
      db.$client
        .prepare(
          'UPDATE sessions SET current_token_hash = ?1, last_used_at = ?2, idle_expires_at = ?3 WHERE id = ?4 AND current_token_hash = ?5 AND revoked_at IS NULL',
        )
        .bind(nextHash, at.getTime(), idleExpiresAt.getTime(), session.id, tokenHash),
    ]);
    if (spend?.meta.changes === 1) {
      return {
        session: { ...session, currentTokenHash: nextHash, lastUsedAt: at, idleExpiresAt },
        refreshToken: next,
      };
    }
  }

  // The token was already spent, by a concurrent request or earlier.
  const spent = await findToken(db, tokenHash);
  const successor = spent?.token.sealedSuccessor ? await unseal(refreshToken, spent.token.sealedSuccessor) : null;
  const replacedAt = spent?.token.replacedAt?.getTime() ?? 0;
  if (
    spent &&
    successor &&
    isLive(spent.session, at) &&
    at.getTime() - replacedAt <= REFRESH_GRACE_SECONDS * 1000 &&
    hashToken(successor) === spent.session.currentTokenHash
  ) {
    return { session: spent.session, refreshToken: successor };
  }
  await revokeSessions(db, kv, { sessionId: session.id }, 'refresh_token_reused');
  throw new AppError(
    'refresh_token_reused',
    'This refresh token was already used. The session has been ended everywhere; sign in again.',
  );
}

export type RevokeScope = { sessionId: string; userId?: string } | { userId: string; exceptSessionId?: string };

/**
 * Ends sessions in D1 (the truth) and marks them in KV (what each request
 * reads). Returns the ids that were live and are now ended.
 */
export async function revokeSessions(
  db: Database,
  kv: KVNamespace,
  scope: RevokeScope,
  reason: string,
): Promise<string[]> {
  const where =
    'sessionId' in scope
      ? and(eq(sessions.id, scope.sessionId), scope.userId ? eq(sessions.userId, scope.userId) : undefined)
      : and(
          eq(sessions.userId, scope.userId),
          scope.exceptSessionId ? ne(sessions.id, scope.exceptSessionId) : undefined,
        );
  const ended = await db
    .update(sessions)
    .set({ revokedAt: now(), revokedReason: reason })
    .where(and(where, isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  const ids = ended.map((row) => row.id);
  await markSessionsRevoked(kv, ids);
  return ids;
}

/** Last use is recorded at most this often per session: a busy device costs one write a minute, not one per request. */
export const LAST_USED_PRECISION_SECONDS = 60;

/**
 * Records that `sessionId` was just used, unless that was already recorded
 * within the last minute: one conditional UPDATE that changes nothing (and
 * writes nothing) when the stored time is recent enough. Refreshes record it
 * too, as part of the rotation.
 */
export async function touchSession(db: Database, sessionId: string): Promise<void> {
  const at = now().getTime();
  await db.$client
    .prepare('UPDATE sessions SET last_used_at = ?1 WHERE id = ?2 AND last_used_at < ?3 AND revoked_at IS NULL')
    .bind(at, sessionId, at - LAST_USED_PRECISION_SECONDS * 1000)
    .run();
}

/** A user's live sessions, most recently used first. */
export async function listSessions(db: Database, userId: string): Promise<Session[]> {
  const at = now();
  return db
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, at),
        gt(sessions.idleExpiresAt, at),
      ),
    )
    .orderBy(desc(sessions.lastUsedAt));
}

export async function getLiveSession(db: Database, sessionId: string): Promise<Session | null> {
  const [session] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  return session && isLive(session, now()) ? session : null;
}

/** The session a refresh token belongs to, spent or not, for logout. */
export async function sessionOfRefreshToken(db: Database, refreshToken: string): Promise<string | null> {
  const [row] = await db
    .select({ sessionId: refreshTokens.sessionId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, hashToken(refreshToken)))
    .limit(1);
  return row?.sessionId ?? null;
}
