import { createRoute } from '@hono/zod-openapi';
import { version } from '../../../package.json';
import { createRouter } from '../../lib/openapi';
import { MetaSchema } from './meta.schemas';

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
