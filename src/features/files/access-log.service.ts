import { and, eq, gte, lt, lte } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { accessLogs } from '../../db/schema';
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

/** Newest first, keyset-paged on the time-sortable id. */
export async function listAccessLogs(db: Database, filter: AccessLogFilter): Promise<Page<AccessLogRow>> {
  const keys = keyset(accessLogs.id, filter);
  const rows = await db
    .select()
    .from(accessLogs)
    .where(
      and(
        filter.fileId ? eq(accessLogs.fileId, filter.fileId) : undefined,
        filter.shareId ? eq(accessLogs.shareId, filter.shareId) : undefined,
        filter.userId ? eq(accessLogs.userId, filter.userId) : undefined,
        filter.ownerId ? eq(accessLogs.ownerId, filter.ownerId) : undefined,
        filter.since ? gte(accessLogs.at, filter.since) : undefined,
        filter.until ? lte(accessLogs.at, filter.until) : undefined,
        keys.where,
      ),
    )
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  return toPage(rows, filter, (row) => row.id);
}

export async function pruneAccessLogs(db: Database, retentionDays: number): Promise<number> {
  const cutoff = new Date(now().getTime() - retentionDays * 24 * 60 * 60 * 1000);
  const deleted = await db.delete(accessLogs).where(lt(accessLogs.at, cutoff)).returning({ id: accessLogs.id });
  return deleted.length;
}
