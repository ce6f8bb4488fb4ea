import type { Context } from 'hono';
import type { Database } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { AppEnv } from '../../env';
import { clientInfo } from '../../lib/client';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { AuditAction } from './audit-actions';

export { type AuditAction, auditActions } from './audit-actions';

export interface AuditEvent {
  action: AuditAction;
  outcome?: 'success' | 'failure';
  actorId?: string | null;
  targetType?: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/** The insert, for callers that put it in the same `db.batch` as the change it records. */
export function auditInsert(db: Database, event: AuditEvent, client: { ip: string | null; userAgent: string | null }) {
  return db.insert(auditLog).values({
    id: newId(),
    at: now(),
    action: event.action,
    outcome: event.outcome ?? 'success',
    actorId: event.actorId ?? null,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
    details: event.details ?? null,
  });
}

/** Records an event for the request in `c`. */
export async function audit(c: Context<AppEnv>, event: AuditEvent): Promise<void> {
  await auditInsert(c.var.db, { actorId: c.var.userId ?? null, ...event }, clientInfo(c.req.raw));
}
