import { and, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import { containsText } from '../../db/contains-text';
import { accessLogs, files, users } from '../../db/schema';
import { clientInfo } from '../../lib/client';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { keyset, type Page, toPage } from '../../lib/pagination';

export type AccessLogRow = typeof accessLogs.$inferSelect;

export interface DownloadEvent {
  fileId: string;
  ownerId: string;
  shareId?: string | null;
  userId?: string | null;
  bytes: number;
  status: number;
}

export async function logDownload(db: Database, request: Request, event: DownloadEvent): Promise<void> {
  const client = clientInfo(request);
  await db.insert(accessLogs).values({
    id: newId(),
    at: now(),
    fileId: event.fileId,
    ownerId: event.ownerId,
    shareId: event.shareId ?? null,
    userId: event.userId ?? null,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
    bytes: event.bytes,
    status: event.status,
  });
}

export interface AccessLogFilter {
  fileId?: string;
  shareId?: string;
  userId?: string;
  ownerId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: string;
}

export function toPublicAccessLog(row: AccessLogRow) {
  return { ...row, at: row.at.toISOString() };
}

/** The id and time filters both access-log lists share. */
function filterConditions(filter: AccessLogFilter): (SQL | undefined)[] {
  return [
    filter.fileId ? eq(accessLogs.fileId, filter.fileId) : undefined,
    filter.shareId ? eq(accessLogs.shareId, filter.shareId) : undefined,
    filter.userId ? eq(accessLogs.userId, filter.userId) : undefined,
    filter.ownerId ? eq(accessLogs.ownerId, filter.ownerId) : undefined,
    filter.since ? gte(accessLogs.at, filter.since) : undefined,
    filter.until ? lte(accessLogs.at, filter.until) : undefined,
  ];
}

/** Newest first, keyset-paged on the time-sortable id. */
export async function listAccessLogs(db: Database, filter: AccessLogFilter): Promise<Page<AccessLogRow>> {
  const keys = keyset(accessLogs.id, filter);
  const rows = await db
    .select()
    .from(accessLogs)
    .where(and(...filterConditions(filter), keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  return toPage(rows, filter, (row) => row.id);
}

export interface AdminAccessLogFilter extends AccessLogFilter {
  /** Part of the file name, any case. */
  file?: string;
  /** Part of the owner's or the downloader's email, any case. */
  email?: string;
}

export interface AdminAccessLogRow {
  log: AccessLogRow;
  fileName: string | null;
  ownerEmail: string | null;
  userEmail: string | null;
}

const owner = alias(users, 'owner');
const downloader = alias(users, 'downloader');

/**
 * Every download with the names a person reads, in one query: the file's name
 * and the owner's and downloader's emails are joined in, and the filters match
 * them, so nobody has to paste ids. Entries outlive their file and accounts; the
 * names are then null.
 */
export async function listAdminAccessLogs(
  db: Database,
  filter: AdminAccessLogFilter,
): Promise<Page<AdminAccessLogRow>> {
  const keys = keyset(accessLogs.id, filter);
  const rows = await db
    .select({ log: accessLogs, fileName: files.name, ownerEmail: owner.email, userEmail: downloader.email })
    .from(accessLogs)
    .leftJoin(files, eq(files.id, accessLogs.fileId))
    .leftJoin(owner, eq(owner.id, accessLogs.ownerId))
    .leftJoin(downloader, eq(downloader.id, accessLogs.userId))
    .where(
      and(
        ...filterConditions(filter),
        filter.file ? containsText(files.nameKey, filter.file) : undefined,
        filter.email
          ? or(containsText(owner.email, filter.email), containsText(downloader.email, filter.email))
          : undefined,
        keys.where,
      ),
    )
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  return toPage(rows, filter, (row) => row.log.id);
}

export async function pruneAccessLogs(db: Database, retentionDays: number): Promise<number> {
  const cutoff = new Date(now().getTime() - retentionDays * 24 * 60 * 60 * 1000);
  const deleted = await db.delete(accessLogs).where(lt(accessLogs.at, cutoff)).returning({ id: accessLogs.id });
  return deleted.length;
}
