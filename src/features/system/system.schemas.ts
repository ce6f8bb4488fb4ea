import { z } from '@hono/zod-openapi';
import { ERROR_SOURCES } from '../../db/schema/ops';
import { JobStatusSchema } from '../backups/backups.schemas';
import { HealthSchema } from '../health/health.schemas';

// The reply of GET /api/admin/system. No service imports: the web app infers its types from these.

const Count = z.number().int().min(0);

const QueueCountsSchema = z
  .object({
    done: Count.openapi({ description: 'Messages handled on their first or a later attempt.' }),
    retried: Count.openapi({ description: 'Attempts that failed and were put back on the queue.' }),
    deadLetter: Count.openapi({ description: 'Messages that failed every retry and reached the dead-letter queue.' }),
  })
  .openapi('SystemQueueCounts');

export const SystemReportSchema = z
  .object({
    health: HealthSchema,
    queue: z
      .object({
        windowHours: z.number().int().openapi({ example: 24 }),
        last24h: QueueCountsSchema,
        byType: z
          .array(QueueCountsSchema.extend({ type: z.string().openapi({ example: 'backup' }) }))
          .openapi({ description: 'The same counts per job type, types in alphabetical order.' }),
      })
      .openapi('SystemQueue'),
    backups: z
      .object({
        recent: z
          .array(
            z.object({
              id: z.string(),
              origin: z.enum(['manual', 'scheduled', 'import']),
              status: JobStatusSchema,
              createdAt: z.string(),
              finishedAt: z.string().nullable(),
              sizeBytes: Count,
              error: z.string().nullable(),
            }),
          )
          .openapi({ description: 'The 5 newest backups, newest first.' }),
        lastDoneAt: z
          .string()
          .nullable()
          .openapi({ description: 'When the newest complete backup finished; null when none has.' }),
      })
      .openapi('SystemBackups'),
    errors: z
      .array(
        z.object({
          id: z.string(),
          at: z.string(),
          source: z.enum(ERROR_SOURCES),
          route: z.string().nullable().openapi({ description: 'Route template, job type, or room kind and hook.' }),
          requestId: z.string().nullable(),
          userId: z.string().nullable(),
          name: z.string(),
          message: z.string().openapi({ description: 'Scrubbed: no bodies, tokens or query strings.' }),
        }),
      )
      .openapi({ description: 'The 50 newest unhandled errors of the last 14 days, newest first.' }),
    dashboards: z
      .object({
        analyticsDataset: z
          .string()
          .nullable()
          .openapi({ description: 'The Analytics Engine dataset requests are written to; null when not bound.' }),
        grafanaDashboard: z
          .string()
          .openapi({ description: 'Path, in the repository, of the Grafana dashboard JSON.' }),
        operationsGuide: z.string().openapi({ description: 'Path, in the repository, of the SQL and setup guide.' }),
        metricsUrl: z
          .string()
          .nullable()
          .openapi({ description: '`METRICS_DASHBOARD_URL`, when set to an http(s) URL.' }),
        errorsUrl: z
          .string()
          .nullable()
          .openapi({ description: '`ERRORS_DASHBOARD_URL`, when set to an http(s) URL.' }),
        sentry: z.boolean().openapi({ description: 'Whether `SENTRY_DSN` is set (the DSN itself is a secret).' }),
        alertWebhook: z.boolean().openapi({ description: 'Whether `ALERT_WEBHOOK_URL` is set.' }),
      })
      .openapi('SystemDashboards'),
  })
  .openapi('SystemReport');
