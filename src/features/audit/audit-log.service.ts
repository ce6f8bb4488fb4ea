import { and, eq, gte, lt, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import { containsText } from '../../db/contains-text';
import { auditLog, users } from '../../db/schema';
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
  /** Part of the actor's or the target account's email, any case. */
  email?: string;
}

export type AuditEventView = Omit<typeof auditLog.$inferSelect, 'at'> & {
  at: string;
  /** The acting account's email now; null for system events, phone-only and deleted accounts. */
  actorEmail: string | null;
  /** The target account's email when the target is a user. */
  targetEmail: string | null;
};

const actor = alias(users, 'actor');
const target = alias(users, 'target');

/**
 * The audit log, newest first (ids sort by time), with the emails of the
 * accounts involved joined in so a person can read and filter it without ids.
 */
export async function listAuditEvents(
  db: Database,
  filter: AuditFilter,
  page: PageQuery,
): Promise<Page<AuditEventView>> {
  const keys = keyset(auditLog.id, page);
  const rows = await db
    .select({ event: auditLog, actorEmail: actor.email, targetEmail: target.email })
    .from(auditLog)
    .leftJoin(actor, eq(actor.id, auditLog.actorId))
    .leftJoin(target, and(eq(auditLog.targetType, 'user'), eq(target.id, auditLog.targetId)))
    .where(
      and(
        filter.action ? eq(auditLog.action, filter.action) : undefined,
        filter.actorId ? eq(auditLog.actorId, filter.actorId) : undefined,
        filter.targetId ? eq(auditLog.targetId, filter.targetId) : undefined,
        filter.outcome ? eq(auditLog.outcome, filter.outcome) : undefined,
        filter.since ? gte(auditLog.at, filter.since) : undefined,
        filter.until ? lt(auditLog.at, filter.until) : undefined,
        filter.email
          ? or(containsText(actor.email, filter.email), containsText(target.email, filter.email))
          : undefined,
        keys.where,
      ),
    )
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result = toPage(rows, page, (row) => row.event.id);
  return {
    items: result.items.map(({ event, actorEmail, targetEmail }) => ({
      ...event,
      at: event.at.toISOString(),
      actorEmail,
      targetEmail,
    })),
    nextCursor: result.nextCursor,
  };
}
