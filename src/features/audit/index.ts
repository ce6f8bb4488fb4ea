import { createRouter } from '../../lib/openapi';
import { listAuditLog } from './audit-log.routes';
import { listAuditEvents } from './audit-log.service';

export const auditLogRoutes = createRouter().openapi(listAuditLog, async (c) => {
  const query = c.req.valid('query');
  c.header('Cache-Control', 'no-store');
  return c.json(await listAuditEvents(c.var.db, query, query), 200);
});
