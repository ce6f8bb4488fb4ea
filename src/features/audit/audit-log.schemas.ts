import { z } from '@hono/zod-openapi';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { auditActions } from './audit.service';

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

const Instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .openapi({ type: 'string', format: 'date-time' });

export const AuditLogQuerySchema = PageQuerySchema.extend({
  action: z.enum(auditActions).optional(),
  actorId: z.string().min(1).max(64).optional(),
  targetId: z.string().min(1).max(64).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  since: Instant.optional().openapi({ description: 'Events at or after this instant.' }),
  until: Instant.optional().openapi({ description: 'Events before this instant (exclusive).' }),
});

export const AuditEventPageSchema = pageSchema(AuditEventSchema).openapi('AuditEventPage');
