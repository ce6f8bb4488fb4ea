import { createRouter } from '../../lib/openapi';
import { systemRoute } from './system.routes';
import { systemReport } from './system.service';

export const systemRoutes = createRouter().openapi(systemRoute, async (c) => {
  const report = await systemReport(c.env, c.var.db, c.var.config);
  c.header('Cache-Control', 'no-store');
  return c.json(report, 200);
});
