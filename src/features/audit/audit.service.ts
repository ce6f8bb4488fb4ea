import type { Context } from 'hono';
import type { Database } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { AppEnv } from '../../env';
import { clientInfo } from '../../lib/client';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';

/** Every security event Hearth records. Admins filter the log by these names. */
export const auditActions = [
  'auth.register',
  'auth.login',
  'auth.logout',
  'auth.logout_all',
  'auth.refresh_reuse',
  'auth.session_revoke',
  'auth.password_change',
  'auth.password_reset_request',
  'auth.password_reset',
  'auth.email_verify',
  'auth.otp_login',
  'auth.oauth_login',
  'auth.oauth_link',
  'user.update',
  'user.delete',
  'admin.user_update',
  'admin.user_delete',
  'admin.role_grant',
  'admin.role_revoke',
  'admin.role_create',
  'admin.role_delete',
] as const;

export type AuditAction = (typeof auditActions)[number];

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
