import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { id, timestamp } from './columns';

/** Security events. Rows outlive the users they mention, so ids here are not foreign keys. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: id(),
    at: timestamp('at').notNull(),
    action: text('action').notNull(),
    outcome: text('outcome', { enum: ['success', 'failure'] }).notNull(),
    actorId: text('actor_id'),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_action_idx').on(t.action, t.at),
    index('audit_log_actor_idx').on(t.actorId, t.at),
  ],
);
