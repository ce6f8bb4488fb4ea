import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { files, shares } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, randomToken } from '../../lib/ids';
import type { FileRow } from './files.service';

export type ShareRow = typeof shares.$inferSelect;

/** Shares without an explicit expiry last a week; `expiresIn: null` makes one permanent. */
export const DEFAULT_SHARE_SECONDS = 7 * 24 * 60 * 60;
export const MAX_SHARE_SECONDS = 365 * 24 * 60 * 60;

export interface PublicShare {
  id: string;
  fileId: string;
  token: string;
  url: string;
  expiresAt: string | null;
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toPublicShare(share: ShareRow, appUrl: string): PublicShare {
  return {
    id: share.id,
    fileId: share.fileId,
    token: share.token,
    url: `${appUrl}/s/${share.token}`,
    expiresAt: share.expiresAt?.toISOString() ?? null,
    maxDownloads: share.maxDownloads,
    downloads: share.downloads,
    hasPassword: share.passwordHash !== null,
    createdAt: share.createdAt.toISOString(),
    updatedAt: share.updatedAt.toISOString(),
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

export async function listFileShares(db: Database, fileId: string): Promise<ShareRow[]> {
  return db
    .select()
    .from(shares)
    .where(and(eq(shares.fileId, fileId), isNull(shares.revokedAt)))
    .orderBy(desc(shares.createdAt));
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

export async function updateShare(
  db: Database,
  share: ShareRow,
  changes: Partial<Pick<ShareRow, 'expiresAt' | 'maxDownloads' | 'passwordHash'>>,
): Promise<ShareRow> {
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
  const [row] = await db
    .select({ share: shares, file: files })
    .from(shares)
    .innerJoin(files, eq(files.id, shares.fileId))
    .where(eq(shares.token, token))
    .limit(1);
  if (!row || row.share.revokedAt) throw new AppError('not_found', 'This link does not exist or was revoked.');
  assertShareOpen(row.share);
  return row;
}

export function assertShareOpen(share: ShareRow): void {
  if (share.expiresAt && share.expiresAt <= now()) throw new AppError('gone', 'This link has expired.');
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) {
    throw new AppError('gone', 'This link has reached its download limit.');
  }
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
