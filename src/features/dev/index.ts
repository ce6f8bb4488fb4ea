import { createRoute } from '@hono/zod-openapi';
import { asc } from 'drizzle-orm';
import { devOutbox } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { createRouter, problemResponses } from '../../lib/openapi';
import { OutboxSchema } from './dev.schemas';

const getOutbox = createRoute({
  method: 'get',
  path: '/api/dev/outbox',
  tags: ['Development'],
  summary: 'Messages the development sender delivered',
  description: 'Only when ENVIRONMENT=development; 404 otherwise. Newest last.',
  responses: {
    200: {
      description: 'Outbox',
      content: { 'application/json': { schema: OutboxSchema } },
    },
    ...problemResponses(404),
  },
});

export const devRoutes = createRouter().openapi(getOutbox, async (c) => {
  if (c.var.config.environment !== 'development') throw new AppError('not_found', 'No such route.');
  const rows = await c.var.db.select().from(devOutbox).orderBy(asc(devOutbox.createdAt), asc(devOutbox.id));
  c.header('Cache-Control', 'no-store');
  return c.json({ items: rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })) }, 200);
});
