import { createRoute, z } from '@hono/zod-openapi';

const Check = z.enum(['ok', 'fail']);

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'fail']),
    checks: z.object({ db: Check, kv: Check, storage: Check, config: Check }),
    problems: z.array(z.string()).openapi({ description: 'Why each failing check failed.' }),
    version: z.string(),
  })
  .openapi('Health');

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
