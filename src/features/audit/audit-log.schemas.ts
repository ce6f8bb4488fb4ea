import { z } from '@hono/zod-openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { auditActions } from './audit-actions';

export const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ format: 'date-time' }),
    action: z.string().openapi({ example: 'admin.role_grant' }),
    outcome: z.enum(['success', 'failure']),
    actorId: z.string().nullable(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEvent');

/** An event as the admin log shows it: with the emails of the accounts involved, so nobody reads raw ids. */
export const AdminAuditEventSchema = AuditEventSchema.extend({
  actorEmail: z.string().nullable().openapi({ description: 'The acting account’s email, when it has one.' }),
  targetEmail: z
    .string()
    .nullable()
    .openapi({ description: 'The target account’s email, when the target is a user with one.' }),
}).openapi('AdminAuditEvent');

const Instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .openapi({ type: 'string', format: 'date-time' });

export const AuditLogQuerySchema = PageQuerySchema.extend({
  action: z.enum(auditActions).optional(),
  actorId: z.string().min(1).max(64).optional(),
  targetId: z.string().min(1).max(64).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  email: z
    .string()
    .trim()
    .min(1)
    .max(320)
    .optional()
    .openapi({ description: 'Part of the actor’s or the target account’s email, ignoring case.' }),
  since: Instant.optional().openapi({ description: 'Events at or after this instant.' }),
  until: Instant.optional().openapi({ description: 'Events before this instant (exclusive).' }),
});

export const AuditEventPageSchema = pageSchema(AdminAuditEventSchema).openapi('AuditEventPage');
