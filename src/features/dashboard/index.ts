import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import { dashboardRoute } from './dashboard.routes';
import { dashboardOf } from './dashboard.service';

export const dashboardRoutes = createRouter().openapi(dashboardRoute, async (c) => {
  return c.json(await dashboardOf(c.var.db, currentUserId(c), c.var.config.storageQuotaBytes), 200);
});
