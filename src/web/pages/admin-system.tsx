import type { z } from '@hono/zod-openapi';
import { useCallback, useEffect } from 'hono/jsx/dom';
import type { SystemReportSchema } from '../../features/system/system.schemas';
import { type ApiError, asApiError, request } from '../api';
import { AdminTabs } from '../components/account-tabs';
import { errorMessage } from '../components/form';
import { HealthPanel } from '../components/health-panel';
import { TableScroll } from '../components/table-scroll';
import { formatBytes } from '../files/format';
import { formatTime, timeAgo } from '../format';
import { useLiveState } from '../hooks';
import { Link } from '../router';

type SystemReport = z.output<typeof SystemReportSchema>;

const loadSystem = (signal?: AbortSignal) =>
  request<SystemReport>('/api/admin/system', { auth: true, cache: 'no-store', signal });

function QueueCard({ queue }: { queue: SystemReport['queue'] }) {
  const { deadLetter, done, retried } = queue.last24h;
  return (
    <section class="card" aria-labelledby="queue-heading" data-testid="system-queue">
      <h2 id="queue-heading">Job queue, last {queue.windowHours} hours</h2>
      {deadLetter > 0 && (
        <p class="notice notice-fail" role="alert" data-testid="system-dead-letter-alert">
          {deadLetter} {deadLetter === 1 ? 'job' : 'jobs'} failed every retry and reached the dead-letter queue.
        </p>
      )}
      <dl class="stats">
        <div class={deadLetter > 0 ? 'stat-alert' : undefined}>
          <dt>Dead letters</dt>
          <dd data-testid="system-dead-letters">{deadLetter}</dd>
        </div>
        <div>
          <dt>Retried</dt>
          <dd data-testid="system-retried">{retried}</dd>
        </div>
        <div>
          <dt>Done</dt>
          <dd data-testid="system-done">{done}</dd>
        </div>
      </dl>
      {queue.byType.length === 0 ? (
        <p class="muted empty">No jobs ran in this time.</p>
      ) : (
        <TableScroll label="Jobs by type">
          <table class="table table-narrow" data-testid="system-queue-types">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col" class="num">
                  Done
                </th>
                <th scope="col" class="num">
                  Retried
                </th>
                <th scope="col" class="num">
                  Dead letters
                </th>
              </tr>
            </thead>
            <tbody>
              {queue.byType.map((row) => (
                <tr data-testid="system-queue-type" data-type={row.type}>
                  <td class="mono">{row.type}</td>
                  <td class="num">{row.done}</td>
                  <td class="num">{row.retried}</td>
                  <td class={row.deadLetter > 0 ? 'num state-fail' : 'num'}>{row.deadLetter}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

function BackupsCard({ backups }: { backups: SystemReport['backups'] }) {
  return (
    <section class="card" aria-labelledby="backups-heading" data-testid="system-backups">
      <div class="card-header">
        <h2 id="backups-heading">Backups</h2>
        <Link href="/admin/backups" data-testid="system-backups-link">
          All backups
        </Link>
      </div>
      <p class={backups.lastDoneAt ? 'muted' : 'notice notice-info'} data-testid="system-last-backup">
        {backups.lastDoneAt
          ? `Last complete backup ${timeAgo(backups.lastDoneAt)} (${formatTime(backups.lastDoneAt)}).`
          : 'No backup has completed yet.'}
      </p>
      {backups.recent.length > 0 && (
        <TableScroll label="Recent backups">
          <table class="table table-narrow">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Size
                </th>
              </tr>
            </thead>
            <tbody>
              {backups.recent.map((backup) => (
                <tr data-testid="system-backup" data-status={backup.status}>
                  <td>{formatTime(backup.createdAt)}</td>
                  <td>{backup.origin}</td>
                  <td class={backup.status === 'failed' ? 'state-fail' : undefined}>
                    {backup.status}
                    {backup.error && <span class="muted"> — {backup.error}</span>}
                  </td>
                  <td class="num">{formatBytes(backup.sizeBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

function ErrorsCard({ errors }: { errors: SystemReport['errors'] }) {
  return (
    <section class="card" aria-labelledby="errors-heading" data-testid="system-errors">
      <h2 id="errors-heading">Recent errors</h2>
      <p class="muted">
        Unhandled errors of the last 14 days, newest first (kept that long, without bodies or tokens).
      </p>
      {errors.length === 0 ? (
        <p class="muted empty" data-testid="system-no-errors">
          No errors in the last 14 days.
        </p>
      ) : (
        <TableScroll label="Recent errors">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Where</th>
                <th scope="col">Error</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {errors.map((error) => (
                <tr data-testid="system-error" data-error-id={error.id}>
                  <td title={formatTime(error.at)}>{timeAgo(error.at)}</td>
                  <td>
                    <span class="mono">{error.route ?? '—'}</span>
                    <span class="cell-sub muted">{error.source.replace('_', ' ')}</span>
                  </td>
                  <td>
                    <strong>{error.name}</strong>: {error.message}
                  </td>
                  <td class="mono">{error.requestId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** On or off, as the health badges show it (the plain badge is the amber "pending" one). */
function Configured({ on, yes, no }: { on: boolean; yes: string; no: string }) {
  return <span class={on ? 'badge badge-ok' : 'badge'}>{on ? yes : no}</span>;
}

function DashboardsCard({ dashboards }: { dashboards: SystemReport['dashboards'] }) {
  return (
    <section class="card" aria-labelledby="dashboards-heading" data-testid="system-dashboards">
      <h2 id="dashboards-heading">Dashboards</h2>
      <dl class="facts">
        <div>
          <dt>Requests and latency</dt>
          <dd data-testid="system-metrics-dashboard">
            {dashboards.metricsUrl ? (
              <a href={dashboards.metricsUrl} rel="noopener noreferrer" target="_blank">
                Open the metrics dashboard
              </a>
            ) : (
              <span class="muted">Set METRICS_DASHBOARD_URL to link your Grafana dashboard here.</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Analytics Engine</dt>
          <dd>
            {dashboards.analyticsDataset ? (
              <>
                Dataset <code>{dashboards.analyticsDataset}</code>
              </>
            ) : (
              <span class="badge">not bound</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Grafana</dt>
          <dd>
            Import <code data-testid="system-grafana-json">{dashboards.grafanaDashboard}</code> from the repository;{' '}
            <code>{dashboards.operationsGuide}</code> has the SQL and the setup.
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-testid="system-sentry">
            <Configured on={dashboards.sentry} yes="Sentry on" no="Sentry off" />
            {dashboards.errorsUrl && (
              <>
                {' '}
                <a href={dashboards.errorsUrl} rel="noopener noreferrer" target="_blank">
                  Open the error tracker
                </a>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Alerts</dt>
          <dd>
            <Configured on={dashboards.alertWebhook} yes="Webhook set" no="No ALERT_WEBHOOK_URL" />
          </dd>
        </div>
      </dl>
    </section>
  );
}

type State = { kind: 'loading' } | { kind: 'loaded'; report: SystemReport } | { kind: 'error'; error: ApiError };

/** Admin → System: health, the job queue's last day, backups, recent errors and where the dashboards are. */
export function AdminSystemPage() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });
  const load = useCallback((signal?: AbortSignal) => {
    loadSystem(signal).then(
      (report) => setState({ kind: 'loaded', report }),
      (error: unknown) => {
        if (!signal?.aborted) setState({ kind: 'error', error: asApiError(error) });
      },
    );
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal);
    return () => controller.abort();
  }, [load]);

  return (
    <div class="page" data-testid="admin-system">
      <header class="page-header">
        <h1>System</h1>
        <AdminTabs />
      </header>
      <div class="stack">
        <HealthPanel />
        {state.kind === 'loading' && (
          <p class="muted" aria-busy="true">
            Loading…
          </p>
        )}
        {state.kind === 'error' && (
          <p class="notice notice-fail" role="alert">
            {errorMessage(state.error)}
          </p>
        )}
        {state.kind === 'loaded' && (
          <>
            <QueueCard queue={state.report.queue} />
            <ErrorsCard errors={state.report.errors} />
            <BackupsCard backups={state.report.backups} />
            <DashboardsCard dashboards={state.report.dashboards} />
            <div>
              <button type="button" class="button button-quiet" onClick={() => load()} data-testid="system-reload">
                Read again
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
