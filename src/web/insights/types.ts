import type { z } from '@hono/zod-openapi';
import type { DashboardSchema } from '../../features/dashboard/dashboard.schemas';
import type { MetricsQuerySchema, MetricsReportSchema } from '../../features/metrics/metrics.schemas';

/** `GET /api/admin/metrics` as it answers. */
export type MetricsReport = z.output<typeof MetricsReportSchema>;
export type MetricsDay = MetricsReport['days'][number];
export type MetricsCohort = MetricsReport['cohorts'][number];
export type MetricsQuery = z.input<typeof MetricsQuerySchema>;

/** `GET /api/dashboard` as it answers. */
export type Dashboard = z.output<typeof DashboardSchema>;
