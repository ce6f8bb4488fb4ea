import { AdminTabs } from '../components/account-tabs';
import { Field, FormError, SubmitButton, textOf, useForm } from '../components/form';
import { ListFooter, usePagedList } from '../components/paged-list';
import { formatTime } from '../format';
import { navigate, useSearchParams } from '../router';
import { socialApi } from '../social/api';
import { REASON_LABELS } from '../social/person-actions';
import type { Report, ReportAction, ReportStatus } from '../social/types';

const PATH = '/admin/reports';

const ACTION_LABELS: Record<ReportAction, string> = {
  none: 'No action',
  warn: 'Warn them',
  remove_from_session: 'Remove from the session',
  deactivate: 'Deactivate the account',
};

const statusOf = (value: string | null | undefined): ReportStatus => (value === 'resolved' ? 'resolved' : 'open');

/** Where it happened: a session or a room, by id (a moderator opens it from there). */
function Place({ report }: { report: Report }) {
  if (report.sessionId)
    return (
      <a href={`/sessions/${encodeURIComponent(report.sessionId)}`} class="mono">
        session {report.sessionId.slice(0, 8)}
      </a>
    );
  if (report.roomId)
    return (
      <a href={`/rooms/${encodeURIComponent(report.roomId)}`} class="mono">
        room {report.roomId.slice(0, 8)}
      </a>
    );
  return <span class="muted">not named</span>;
}

/** The moderator's decision: an action (none, warn, remove from the session, deactivate) and a note. */
function ResolveForm({ report, onResolved }: { report: Report; onResolved: (report: Report) => void }) {
  const form = useForm(async (data) => {
    const note = textOf(data, 'note');
    const action = textOf(data, 'action') as ReportAction;
    onResolved(await socialApi.decide(report.id, { status: 'resolved', action, ...(note ? { note } : {}) }));
  });
  return (
    <form ref={form.ref} class="form report-resolve" onSubmit={form.onSubmit} noValidate data-testid="report-resolve">
      <FormError error={form.error} />
      <Field label="Action" name="action" select error={form.fields.action}>
        {(Object.keys(ACTION_LABELS) as ReportAction[])
          .filter((action) => action !== 'remove_from_session' || report.sessionId)
          .map((action) => (
            <option value={action}>{ACTION_LABELS[action]}</option>
          ))}
      </Field>
      <div class="field">
        <label for={`note-${report.id}`}>Note (optional)</label>
        <textarea
          id={`note-${report.id}`}
          name="note"
          class="input"
          rows={2}
          maxlength={2000}
          aria-invalid={form.fields.note ? 'true' : undefined}
          data-testid="field-note"
        />
        {form.fields.note && <p class="field-error">{form.fields.note}</p>}
      </div>
      <SubmitButton busy={form.busy} testid="report-resolve-submit">
        Resolve
      </SubmitButton>
    </form>
  );
}

function ReportCard({ report, onResolved }: { report: Report; onResolved: (report: Report) => void }) {
  return (
    <li class="card report-card" data-testid="report" data-report-id={report.id} data-status={report.status}>
      <header class="report-head">
        <span class="badge">{REASON_LABELS[report.reason]}</span>
        <time class="muted" datetime={report.createdAt} title={formatTime(report.createdAt, 'full')}>
          {formatTime(report.createdAt, 'shortDateTime')}
        </time>
      </header>
      <dl class="report-facts">
        <dt>Reported</dt>
        <dd data-testid="report-reported">
          {report.reported ? report.reported.name : <span class="muted">deleted account</span>}
        </dd>
        <dt>By</dt>
        <dd data-testid="report-reporter">{report.reporter.name}</dd>
        <dt>Where</dt>
        <dd>
          <Place report={report} />
        </dd>
        {report.details && (
          <>
            <dt>Details</dt>
            <dd class="report-text" data-testid="report-details">
              {report.details}
            </dd>
          </>
        )}
        {report.messageId && (
          <>
            <dt>Message</dt>
            <dd data-testid="report-message">
              {report.messageText === null ? (
                <span class="muted">not kept</span>
              ) : (
                <blockquote class="report-quote">{report.messageText}</blockquote>
              )}
            </dd>
          </>
        )}
      </dl>
      {report.status === 'open' ? (
        <ResolveForm report={report} onResolved={onResolved} />
      ) : (
        <p class="muted" data-testid="report-outcome">
          Resolved{report.handledAt ? ` ${formatTime(report.handledAt, 'shortDateTime')}` : ''}:{' '}
          {ACTION_LABELS[report.action ?? 'none']}
          {report.note ? ` — ${report.note}` : ''}
        </p>
      )}
    </li>
  );
}

/** The moderators' queue: open reports first by default, the resolved ones a tab away, newest first. */
export function AdminReportsPage() {
  const params = useSearchParams();
  const status = statusOf(params.get('status'));
  const list = usePagedList((cursor) => socialApi.reports(status, cursor), [status]);
  const show = (next: ReportStatus) => navigate(next === 'open' ? PATH : `${PATH}?status=${next}`, { replace: true });

  const resolved = (report: Report) =>
    list.update((items) =>
      status === 'open'
        ? items.filter((item) => item.id !== report.id)
        : items.map((item) => (item.id === report.id ? report : item)),
    );

  return (
    <div class="page" data-testid="admin-reports">
      <header class="page-header">
        <h1>Reports</h1>
        <AdminTabs />
      </header>
      <section class="card" aria-labelledby="reports-heading">
        <h2 id="reports-heading" class="visually-hidden">
          Reports
        </h2>
        <fieldset class="report-filter">
          <legend class="visually-hidden">Show</legend>
          {(['open', 'resolved'] as const).map((value) => (
            <button
              type="button"
              class={`button button-small ${status === value ? 'button-secondary' : 'button-quiet'}`}
              aria-pressed={String(status === value)}
              onClick={() => show(value)}
              data-testid={`reports-${value}`}
            >
              {value === 'open' ? 'Open' : 'Resolved'}
            </button>
          ))}
        </fieldset>
        {list.items.length > 0 && (
          <ul class="report-list" aria-busy={String(list.loading)} data-testid="report-list">
            {list.items.map((report) => (
              <ReportCard key={report.id} report={report} onResolved={resolved} />
            ))}
          </ul>
        )}
        {!list.loading && !list.error && list.items.length === 0 && (
          <p class="muted empty" data-testid="no-reports">
            {status === 'open' ? 'No open reports.' : 'No resolved reports yet.'}
          </p>
        )}
        <ListFooter list={list} onMore={list.loadMore} onRetry={list.retry} />
      </section>
    </div>
  );
}
