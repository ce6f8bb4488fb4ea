import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { accessLogs, files, shares } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, randomToken } from '../../lib/ids';
import type { FileRow } from './files.service';

export type ShareRow = typeof shares.$inferSelect;

/** Shares without an explicit expiry last a week; `expiresIn: null` makes one permanent. */
export const DEFAULT_SHARE_SECONDS = 7 * 24 * 60 * 60;

/**
 * Wrong password guesses a share takes from all addresses together before it
 * locks, the window they are counted in, and how long the lock lasts.
 */
export const SHARE_GUESSES = { limit: 10, windowSeconds: 15 * 60, lockSeconds: 15 * 60 };

export type ShareState = 'active' | 'expired' | 'used_up' | 'revoked';

export interface PublicShare {
  id: string;
  fileId: string;
  token: string;
  url: string;
  state: ShareState;
  expiresAt: string | null;
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
  /** Password guesses in the current window, from every address. */
  failedAttempts: number;
  /** While set and in the future, the link refuses every password, the right one too. */
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  revokedAt: string | null;
}

export function shareState(share: ShareRow, at = now()): ShareState {
  if (share.revokedAt) return 'revoked';
  if (share.expiresAt && share.expiresAt <= at) return 'expired';
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) return 'used_up';
  return 'active';
}

export function toPublicShare(share: ShareRow, appUrl: string): PublicShare {
  const at = now();
  const windowOpen =
    share.failedSince !== null && share.failedSince.getTime() > at.getTime() - SHARE_GUESSES.windowSeconds * 1000;
  return {
    id: share.id,
    fileId: share.fileId,
    token: share.token,
    url: `${appUrl}/s/${share.token}`,
    state: shareState(share, at),
    expiresAt: share.expiresAt?.toISOString() ?? null,
    maxDownloads: share.maxDownloads,
    downloads: share.downloads,
    hasPassword: share.passwordHash !== null,
    failedAttempts: windowOpen ? share.failedAttempts : 0,
    lockedUntil: share.lockedUntil && share.lockedUntil > at ? share.lockedUntil.toISOString() : null,
    createdAt: share.createdAt.toISOString(),
    updatedAt: share.updatedAt.toISOString(),
    revokedAt: share.revokedAt?.toISOString() ?? null,
  };
}

export function expiryFrom(expiresIn: number | null | undefined): Date | null {
  const seconds = expiresIn === undefined ? DEFAULT_SHARE_SECONDS : expiresIn;
  return seconds === null ? null : new Date(now().getTime() + seconds * 1000);
}

export async function createShare(
  db: Database,
  file: FileRow,
  input: { expiresAt: Date | null; maxDownloads: number | null; passwordHash: string | null },
): Promise<ShareRow> {
  const at = now();
  const [share] = await db
    .insert(shares)
    .values({
      id: newId(),
      token: randomToken(),
      fileId: file.id,
      ownerId: file.ownerId,
      expiresAt: input.expiresAt,
      maxDownloads: input.maxDownloads,
      passwordHash: input.passwordHash,
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  if (!share) throw new Error('share not written');
  return share;
}

/** Every link of a file, revoked, expired and used-up ones too, so the owner keeps their history and counts. */
export async function listFileShares(db: Database, fileId: string): Promise<ShareRow[]> {
  return db.select().from(shares).where(eq(shares.fileId, fileId)).orderBy(desc(shares.createdAt));
}

export async function getOwnShare(db: Database, ownerId: string, shareId: string): Promise<ShareRow> {
  const [share] = await db
    .select()
    .from(shares)
    .where(and(eq(shares.id, shareId), eq(shares.ownerId, ownerId), isNull(shares.revokedAt)))
    .limit(1);
  if (!share) throw new AppError('not_found', 'No such share.');
  return share;
}

export type ShareChanges = Pick<
  ShareRow,
  'expiresAt' | 'maxDownloads' | 'passwordHash' | 'failedAttempts' | 'failedSince' | 'lockedUntil'
>;

export async function updateShare(db: Database, share: ShareRow, changes: Partial<ShareChanges>): Promise<ShareRow> {
  const [updated] = await db
    .update(shares)
    .set({ ...changes, updatedAt: now() })
    .where(and(eq(shares.id, share.id), isNull(shares.revokedAt)))
    .returning();
  if (!updated) throw new AppError('not_found', 'No such share.');
  return updated;
}

export async function revokeShare(db: Database, ownerId: string, shareId: string): Promise<void> {
  const revoked = await db
    .update(shares)
    .set({ revokedAt: now(), updatedAt: now() })
    .where(and(eq(shares.id, shareId), eq(shares.ownerId, ownerId), isNull(shares.revokedAt)))
    .returning({ id: shares.id });
  if (revoked.length === 0) throw new AppError('not_found', 'No such share.');
}

export interface ResolvedShare {
  share: ShareRow;
  file: FileRow;
}

/**
 * A share as its visitor sees it. Unknown and revoked are the same 404 (a
 * revoked link should look like it never existed); expired and used up are
 * 410, so the visitor knows the link was real but is over.
 */
export async function resolveShare(db: Database, token: string): Promise<ResolvedShare> {
  const row = await findShare(db, token);
  assertShareOpen(row.share);
  return row;
}

/** A share by token, unknown and revoked as one 404; whether it is still open is the caller's check. */
export async function findShare(db: Database, token: string): Promise<ResolvedShare> {
  const [row] = await db
    .select({ share: shares, file: files })
    .from(shares)
    .innerJoin(files, eq(files.id, shares.fileId))
    .where(eq(shares.token, token))
    .limit(1);
  if (!row || row.share.revokedAt) throw new AppError('not_found', 'This link does not exist or was revoked.');
  return row;
}

export function assertShareOpen(share: ShareRow): void {
  assertShareUnexpired(share);
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) {
    throw new AppError('gone', 'This link has reached its download limit.');
  }
}

export function assertShareUnexpired(share: ShareRow): void {
  if (share.expiresAt && share.expiresAt <= now()) throw new AppError('gone', 'This link has expired.');
}

export type Guess = { ok: true; since: Date } | { ok: false; lockedUntil: Date };

/**
 * Takes one password guess from the share's allowance, counted across every
 * address, before the password is checked: one conditional UPDATE, so however
 * many guesses arrive at once exactly `SHARE_GUESSES.limit` are checked in a
 * window, and the one that reaches the limit locks the link. A locked link
 * takes no guesses at all until the lock ends.
 */
export async function takeGuess(db: Database, shareId: string): Promise<Guess> {
  const at = now().getTime();
  const { limit, windowSeconds, lockSeconds } = SHARE_GUESSES;
  const fresh = sql`(${shares.failedSince} IS NULL OR ${shares.failedSince} <= ${at - windowSeconds * 1000})`;
  const next = sql`(CASE WHEN ${fresh} THEN 1 ELSE ${shares.failedAttempts} + 1 END)`;
  const [taken] = await db
    .update(shares)
    .set({
      failedAttempts: next,
      failedSince: sql`(CASE WHEN ${fresh} THEN ${at} ELSE ${shares.failedSince} END)`,
      lockedUntil: sql`(CASE WHEN ${next} >= ${limit} THEN ${at + lockSeconds * 1000} ELSE NULL END)`,
    })
    .where(and(eq(shares.id, shareId), sql`(${shares.lockedUntil} IS NULL OR ${shares.lockedUntil} <= ${at})`))
    .returning({ since: shares.failedSince });
  if (taken?.since) return { ok: true, since: taken.since };
  const [locked] = await db.select({ until: shares.lockedUntil }).from(shares).where(eq(shares.id, shareId)).limit(1);
  return { ok: false, lockedUntil: locked?.until ?? new Date(at + 1000) };
}

/** Hands back a guess that was right, in the window it was taken from; a lock it set is lifted. */
export async function returnGuess(db: Database, shareId: string, since: Date): Promise<void> {
  await db
    .update(shares)
    .set({
      failedAttempts: sql`MAX(${shares.failedAttempts} - 1, 0)`,
      lockedUntil: sql`(CASE WHEN ${shares.failedAttempts} - 1 < ${SHARE_GUESSES.limit} THEN NULL ELSE ${shares.lockedUntil} END)`,
    })
    .where(and(eq(shares.id, shareId), eq(shares.failedSince, since)));
}

/** How long a client counts as still fetching one download: a Range continuation in this time is not a new one. */
export const CONTINUATION_SECONDS = 24 * 60 * 60;

/**
 * Whether `ip` was sent bytes of this share recently: a Range request that
 * starts past byte 0 from that address then continues that download.
 */
export async function continuesDownload(db: Database, share: ShareRow, ip: string | null): Promise<boolean> {
  if (!ip) return false;
  const [seen] = await db
    .select({ id: accessLogs.id })
    .from(accessLogs)
    .where(
      and(
        eq(accessLogs.fileId, share.fileId),
        eq(accessLogs.shareId, share.id),
        eq(accessLogs.ip, ip),
        inArray(accessLogs.status, [200, 206]),
        gt(accessLogs.at, new Date(now().getTime() - CONTINUATION_SECONDS * 1000)),
      ),
    )
    .limit(1);
  return seen !== undefined;
}

/**
 * Counts one download if the share still allows it: one conditional UPDATE,
 * so a cap of N admits exactly N downloads however many arrive at once.
 */
export async function countDownload(db: Database, shareId: string): Promise<boolean> {
  const at = now();
  const counted = await db
    .update(shares)
    .set({ downloads: sql`${shares.downloads} + 1` })
    .where(
      and(
        eq(shares.id, shareId),
        isNull(shares.revokedAt),
        sql`(${shares.expiresAt} IS NULL OR ${shares.expiresAt} > ${at.getTime()})`,
        sql`(${shares.maxDownloads} IS NULL OR ${shares.downloads} < ${shares.maxDownloads})`,
      ),
    )
    .returning({ downloads: shares.downloads });
  return counted.length === 1;
}
