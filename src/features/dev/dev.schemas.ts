import { z } from '@hono/zod-openapi';

export const OutboxMessageSchema = z
  .object({
    id: z.string(),
    channel: z.enum(['email', 'sms']),
    to: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    createdAt: z.string(),
  })
  .openapi('OutboxMessage');

export const OutboxSchema = z.object({ items: z.array(OutboxMessageSchema) });
