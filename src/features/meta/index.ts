import { createRoute, z } from '@hono/zod-openapi';
import { version } from '../../../package.json';
import { createRouter } from '../../lib/openapi';

export const MetaSchema = z
  .object({
    name: z.literal('Hearth'),
    version: z.string(),
    environment: z.enum(['development', 'production', 'test']),
    providers: z
      .array(z.object({ id: z.string(), name: z.string() }))
      .openapi({ description: 'Configured OpenID Connect sign-in providers: `GET /api/auth/oauth/{id}` starts one.' }),
  })
  .openapi('Meta');

const getMeta = createRoute({
  method: 'get',
  path: '/api/meta',
  tags: ['Health'],
  summary: 'What this deployment is',
  description: 'Public facts the web app needs before signing in. No I/O, so it is also the benchmark route.',
  responses: { 200: { description: 'Deployment facts', content: { 'application/json': { schema: MetaSchema } } } },
});

export const metaRoutes = createRouter().openapi(getMeta, (c) =>
  c.json(
    {
      name: 'Hearth' as const,
      version,
      environment: c.var.config.environment,
      providers: c.var.config.oidc.providers.map(({ id, name }) => ({ id, name })),
    },
    200,
  ),
);
