import { createRouter } from '../../lib/openapi';
import { metricsRoute } from './metrics.routes';
import { metricsReport } from './metrics.service';

export const metricsRoutes = createRouter().openapi(metricsRoute, async (c) => {
  return c.json(await metricsReport(c.var.db, c.req.valid('query')), 200);
});
