import { z } from '@hono/zod-openapi';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { files, storageUsage } from '../../db/schema';
import { now } from '../../lib/clock';
import { decodeCursor, encodeCursor } from '../../lib/decode';
import { AppError } from '../../lib/errors';
import type { Page } from '../../lib/pagination';
import { truncate, wellFormed } from '../../lib/text';
import { recordActivity } from '../metrics/activity';
import { MAX_FILE_NAME } from './files.schemas';

export type FileRow = typeof files.$inferSelect;

export interface PublicFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toPublicFile(file: FileRow): PublicFile {
  return {
    id: file.id,
    name: file.name,
    size: file.size,
    contentType: file.contentType,
    sha256: file.sha256,
    createdAt: file.createdAt.toISOString(),
    updatedAt: file.updatedAt.toISOString(),
  };
}

/** Object keys come from ids only: a file name never reaches R2. */
export const objectKeyFor = (ownerId: string, fileId: string) => `files/${ownerId}/${fileId}`;

/**
 * File names are display text: well-formed, trimmed, NFC, no control characters
 * or path separators, at most 255 units cut on a character boundary.
 */
export function cleanFileName(name: string): string {
  const cleaned = truncate(
    wellFormed(name)
      .normalize('NFC')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
      .replace(/[\u0000-\u001f\u007f/\\]/g, '_')
      .trim(),
    MAX_FILE_NAME,
  ).trim();
  return cleaned || 'untitled';
}

/** The caller's file, or 404: someone else's file is indistinguishable from none. */
export async function getOwnFile(db: Database, ownerId: string, fileId: string): Promise<FileRow> {
  const [file] = await db
    .select()
    .from(files)
    .where(and(eq(files.id, fileId), eq(files.ownerId, ownerId)))
    .limit(1);
  if (!file) throw new AppError('not_found', 'No such file.');
  return file;
}

export async function getFile(db: Database, fileId: string): Promise<FileRow | null> {
  const [file] = await db.select().from(files).where(eq(files.id, fileId)).limit(1);
  return file ?? null;
}

export interface Usage {
  usedBytes: number;
  quotaBytes: number;
}

export async function usageOf(db: Database, userId: string, defaultQuota: number): Promise<Usage> {
  const [row] = await db.select().from(storageUsage).where(eq(storageUsage.userId, userId)).limit(1);
  return { usedBytes: row?.usedBytes ?? 0, quotaBytes: row?.quotaBytes ?? defaultQuota };
}

/**
 * Records a stored object as a file and charges its bytes to the owner's quota
 * in one transaction. The charge is one conditional UPDATE, so concurrent
 * uploads can never together pass the quota: the loser gets `quota_exceeded`
 * (and the caller deletes its object).
 */
export async function insertFileCharged(db: Database, file: FileRow, defaultQuota: number): Promise<void> {
  const [, charged] = await db.batch([
    db.insert(storageUsage).values({ userId: file.ownerId, usedBytes: 0 }).onConflictDoNothing(),
    db
      .update(storageUsage)
      .set({ usedBytes: sql`${storageUsage.usedBytes} + ${file.size}` })
      .where(
        and(
          eq(storageUsage.userId, file.ownerId),
          sql`${storageUsage.usedBytes} + ${file.size} <= coalesce(${storageUsage.quotaBytes}, ${defaultQuota})`,
        ),
      )
      .returning({ usedBytes: storageUsage.usedBytes }),
    db.insert(files).select(
      db
        .select({
          id: sql<string>`${file.id}`.as('id'),
          ownerId: sql<string>`${file.ownerId}`.as('owner_id'),
          name: sql<string>`${file.name}`.as('name'),
          nameKey: sql<string>`${file.nameKey}`.as('name_key'),
          size: sql<number>`${file.size}`.as('size'),
          contentType: sql<string>`${file.contentType}`.as('content_type'),
          sha256: sql<string | null>`${file.sha256}`.as('sha256'),
          r2Key: sql<string>`${file.r2Key}`.as('r2_key'),
          etag: sql<string>`${file.etag}`.as('etag'),
          createdAt: sql<number>`${file.createdAt.getTime()}`.as('created_at'),
          updatedAt: sql<number>`${file.updatedAt.getTime()}`.as('updated_at'),
        })
        .from(storageUsage)
        .where(sql`${storageUsage.userId} = ${file.ownerId} AND changes() = 1`),
    ),
  ]);
  if (charged.length === 0) {
    throw new AppError('quota_exceeded', 'This file would take you past your storage quota.');
  }
  await recordActivity(db, file.ownerId, 'file', file.createdAt);
}

/**
 * Deletes the row and refunds its bytes in one transaction, then the object.
 * If the object delete fails the row is already gone (no dangling row); the
 * orphan sweep removes the object later.
 */
export async function deleteOwnFile(db: Database, bucket: R2Bucket, ownerId: string, fileId: string): Promise<void> {
  const file = await getOwnFile(db, ownerId, fileId);
  const [deleted] = await db.batch([
    db
      .delete(files)
      .where(and(eq(files.id, file.id), eq(files.ownerId, ownerId)))
      .returning({ size: files.size }),
    db
      .update(storageUsage)
      .set({ usedBytes: sql`max(0, ${storageUsage.usedBytes} - ${file.size})` })
      .where(sql`${storageUsage.userId} = ${ownerId} AND changes() = 1`),
  ]);
  if (deleted.length === 0) throw new AppError('not_found', 'No such file.');
  await bucket.delete(file.r2Key).catch(() => {});
}

export async function renameOwnFile(db: Database, ownerId: string, fileId: string, name: string): Promise<FileRow> {
  const clean = cleanFileName(name);
  const [file] = await db
    .update(files)
    .set({ name: clean, nameKey: clean.toLowerCase(), updatedAt: now() })
    .where(and(eq(files.id, fileId), eq(files.ownerId, ownerId)))
    .returning();
  if (!file) throw new AppError('not_found', 'No such file.');
  return file;
}

export type FileSort = 'createdAt' | 'name' | 'size';

export interface FileListQuery {
  q?: string;
  sort: FileSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

const sortColumns = { createdAt: files.createdAt, name: files.nameKey, size: files.size } as const;

// A cursor is the last row's (sort value, id); its shape depends on the sort, so a cursor of one
// sort cannot be replayed against another and nothing but a number or a short string reaches SQL.
const cursorId = z.string().min(1).max(64);
const cursorShapes = {
  createdAt: z.tuple([z.number().int().nonnegative(), cursorId]),
  size: z.tuple([z.number().int().nonnegative(), cursorId]),
  // nameKey is the lower-cased name: lower-casing can lengthen a name a little.
  name: z.tuple([z.string().max(MAX_FILE_NAME * 3), cursorId]),
} as const;

/**
 * Keyset pagination on (sort column, id): stable under inserts and deletes,
 * for every sort order, with the matching index behind each.
 */
export async function listOwnFiles(db: Database, ownerId: string, query: FileListQuery): Promise<Page<FileRow>> {
  const column = sortColumns[query.sort];
  const direction = query.order === 'asc' ? asc : desc;
  const filters = [eq(files.ownerId, ownerId)];
  if (query.q) {
    const escaped = query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    filters.push(sql`${files.nameKey} LIKE ${`%${escaped}%`} ESCAPE '\\'`);
  }
  if (query.cursor) {
    const [value, id] = decodeCursor(query.cursor, cursorShapes[query.sort]);
    const comparator = query.order === 'asc' ? sql`>` : sql`<`;
    filters.push(sql`(${column}, ${files.id}) ${comparator} (${value}, ${id})`);
  }
  const rows = await db
    .select()
    .from(files)
    .where(and(...filters))
    .orderBy(direction(column), direction(files.id))
    .limit(query.limit + 1);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  const cursorValue = (row: FileRow) =>
    query.sort === 'createdAt' ? row.createdAt.getTime() : query.sort === 'size' ? row.size : row.nameKey;
  return {
    items,
    nextCursor: rows.length > query.limit && last ? encodeCursor([cursorValue(last), last.id]) : null,
  };
}

export async function setContentType(db: Database, fileId: string, contentType: string): Promise<FileRow> {
  const [file] = await db.update(files).set({ contentType }).where(eq(files.id, fileId)).returning();
  if (!file) throw new AppError('not_found', 'No such file.');
  return file;
}

/**
 * Reads a stored object through a native SHA-256 digest stream and records
 * the hash: for multipart uploads, whose bytes never pass through one request.
 */
export async function hashStoredFile(db: Database, bucket: R2Bucket, fileId: string): Promise<'hashed' | 'gone'> {
  const file = await getFile(db, fileId);
  const object = file ? await bucket.get(file.r2Key) : null;
  if (!file || !object) return 'gone';
  const digest = new crypto.DigestStream('SHA-256');
  await object.body.pipeTo(digest);
  const sha256 = encodeHexLowerCase(new Uint8Array(await digest.digest));
  await db.update(files).set({ sha256 }).where(eq(files.id, fileId));
  return 'hashed';
}
