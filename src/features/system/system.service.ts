import type { z } from '@hono/zod-openapi';
import { desc, eq } from 'drizzle-orm';
import { version } from '../../../package.json';
import type { Database } from '../../db/client';
import { backups } from '../../db/schema';
import type { Env } from '../../env';
import type { Config } from '../../lib/config';
import { listBackups } from '../backups/backups.service';
import { checkHealth } from '../health/health.service';
import { recentErrors } from '../ops/errors';
import { queueCounts } from '../ops/queue-log';
import type { SystemReportSchema } from './system.schemas';

export type SystemReport = z.output<typeof SystemReportSchema>;
type QueueCounts = SystemReport['queue']['last24h'];

const QUEUE_WINDOW_HOURS = 24;
const RECENT_BACKUPS = 5;
const RECENT_ERRORS = 50;
/** The binding does not say which dataset it writes to; wrangler.toml names it `hearth`. */
const ANALYTICS_DATASET = 'hearth';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A configured dashboard link, or null: only http(s), so a stray value never becomes a `javascript:` link. */
function dashboardUrl(value: string | undefined): string | null {
  if (!value?.trim()) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/** The grouped rows of `queueCounts` as totals and one entry per job type. */
function queueSummary(rows: Awaited<ReturnType<typeof queueCounts>>) {
  const empty = (): QueueCounts => ({ done: 0, retried: 0, deadLetter: 0 });
  const last24h = empty();
  const byType = new Map<string, QueueCounts>();
  for (const row of rows) {
    const key = row.outcome === 'dead_letter' ? 'deadLetter' : row.outcome;
    const counts = byType.get(row.type) ?? empty();
    counts[key] += row.count;
    last24h[key] += row.count;
    byType.set(row.type, counts);
  }
  return {
    windowHours: QUEUE_WINDOW_HOURS,
    last24h,
    byType: [...byType].map(([type, counts]) => ({ type, ...counts })).sort((a, b) => a.type.localeCompare(b.type)),
  };
}

/**
 * Everything the admin system page shows, read at once: health (the same
 * probes as `GET /api/health`), the queue's last day, the newest backups,
 * the newest errors, and where the dashboards are.
 */
export async function systemReport(env: Env, db: Database, config: Config): Promise<SystemReport> {
  const [health, queue, recent, [lastDone], errors] = await Promise.all([
    checkHealth(env, config),
    queueCounts(db, QUEUE_WINDOW_HOURS),
    listBackups(db, { limit: RECENT_BACKUPS }),
    db
      .select({ finishedAt: backups.finishedAt })
      .from(backups)
      .where(eq(backups.status, 'done'))
      .orderBy(desc(backups.finishedAt))
      .limit(1),
    recentErrors(db, RECENT_ERRORS),
  ]);
  return {
    health: { ...health, version },
    queue: queueSummary(queue),
    backups: {
      recent: recent.items.map((row) => ({
        id: row.id,
        origin: row.origin,
        status: row.status,
        createdAt: row.createdAt.toISOString(),
        finishedAt: iso(row.finishedAt),
        sizeBytes: row.sizeBytes,
        error: row.error,
      })),
      lastDoneAt: iso(lastDone?.finishedAt ?? null),
    },
    errors: errors.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      source: row.source,
      route: row.route,
      requestId: row.requestId,
      userId: row.userId,
      name: row.name,
      message: row.message,
    })),
    dashboards: {
      analyticsDataset: env.ANALYTICS ? ANALYTICS_DATASET : null,
      grafanaDashboard: 'docs/grafana/hearth-dashboard.json',
      operationsGuide: 'docs/operations.md',
      metricsUrl: dashboardUrl(env.METRICS_DASHBOARD_URL),
      errorsUrl: dashboardUrl(env.ERRORS_DASHBOARD_URL),
      sentry: Boolean(env.SENTRY_DSN?.trim()),
      alertWebhook: Boolean(env.ALERT_WEBHOOK_URL?.trim()),
    },
  };
}
