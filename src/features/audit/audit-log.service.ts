import { and, eq, gte, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditLog } from '../../db/schema';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import type { AuditAction } from './audit.service';

export interface AuditFilter {
  action?: AuditAction;
  actorId?: string;
  targetId?: string;
  outcome?: 'success' | 'failure';
  /** Inclusive. */
  since?: Date;
  /** Exclusive, so consecutive windows never count an event twice. */
  until?: Date;
}

export type AuditEventView = Omit<typeof auditLog.$inferSelect, 'at'> & { at: string };

/** The audit log, newest first (ids sort by time). */
export async function listAuditEvents(
  db: Database,
  filter: AuditFilter,
  page: PageQuery,
): Promise<Page<AuditEventView>> {
  const keys = keyset(auditLog.id, page);
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        filter.action ? eq(auditLog.action, filter.action) : undefined,
        filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
        filter.targetId ? eq(auditLog.targetId, filter.targetId) : undefined,
        filter.outcome ? eq(auditLog.outcome, filter.outcome) : undefined,
        filter.since ? gte(auditLog.at, filter.since) : undefined,
        filter.until ? lt(auditLog.at, filter.until) : undefined,
        keys.where,
      ),
    )
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result = toPage(rows, page, (row) => row.id);
  return { items: result.items.map((row) => ({ ...row, at: row.at.toISOString() })), nextCursor: result.nextCursor };
}
