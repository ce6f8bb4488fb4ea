import { createRoute } from '@hono/zod-openapi';
import { HealthSchema } from './health.schemas';

export const getHealth = createRoute({
  method: 'get',
  path: '/api/health',
  tags: ['Health'],
  summary: 'Check the worker and its bindings',
  description: 'Queries D1, KV and R2 for real and checks the deployment configuration. 503 names the failing check.',
  responses: {
    200: { description: 'Everything answers', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'A check failed', content: { 'application/json': { schema: HealthSchema } } },
  },
});
