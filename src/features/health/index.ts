import { version } from '../../../package.json';
import { createRouter } from '../../lib/openapi';
import { getHealth } from './health.routes';
import { checkHealth } from './health.service';

export const healthRoutes = createRouter().openapi(getHealth, async (c) => {
  const report = await checkHealth(c.env, c.var.config);
  c.header('Cache-Control', 'no-store');
  const body = { ...report, version };
  return report.status === 'ok' ? c.json(body, 200) : c.json(body, 503);
});
