import type { z } from '@hono/zod-openapi';
import { useEffect } from 'hono/jsx/dom';
import type { BackupPageSchema, BackupScheduleSchema, BackupSchema } from '../../features/backups/backups.schemas';
import { ApiError, asApiError, request } from '../api';
import { AdminTabs } from '../components/account-tabs';
import { errorMessage, FormError, SubmitButton, useAction, useForm } from '../components/form';
import { TableScroll } from '../components/table-scroll';
import { formatBytes } from '../files/format';
import { formatTime } from '../format';
import { useLiveState } from '../hooks';

type Backup = z.output<typeof BackupSchema>;
type BackupPage = z.output<typeof BackupPageSchema>;
type Schedule = z.output<typeof BackupScheduleSchema>;

const CONFIRMATION = 'replace everything';
const read = { auth: true, cache: 'no-store' } as const;
const send = (method: string, json?: unknown) => ({ method, json, auth: true });
const id = encodeURIComponent;

const backupsApi = {
  list: () => request<BackupPage>('/api/backups?limit=100', read),
  start: () => request<Backup>('/api/backups', send('POST')),
  remove: (backupId: string) => request<void>(`/api/backups/${id(backupId)}`, send('DELETE')),
  download: (backupId: string) => request<{ url: string }>(`/api/backups/${id(backupId)}/download`, read),
  restore: (backupId: string) =>
    request<Backup>(`/api/backups/${id(backupId)}/restore`, send('POST', { confirm: CONFIRMATION })),
  schedule: () => request<Schedule>('/api/backups/schedule', read),
  saveSchedule: (schedule: Schedule) => request<Schedule>('/api/backups/schedule', send('PUT', schedule)),
};

const active = (status: string | undefined) => status === 'queued' || status === 'running';
const isBusy = (backup: Backup) => active(backup.status) || active(backup.restore?.status);
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** The running job's bar: rows and objects done of the totals (a restore counts what it has applied). */
function JobProgress({ backup }: { backup: Backup }) {
  const restoring = active(backup.restore?.status);
  const { rowsDone, rowsTotal, objectsDone, objectsTotal } = backup.progress;
  const done = restoring
    ? (backup.restore?.rowsDone ?? 0) + (backup.restore?.objectsDone ?? 0)
    : rowsDone + objectsDone;
  const total = Math.max(done, rowsTotal + objectsTotal);
  const label = restoring ? 'Restoring' : backup.status === 'queued' ? 'Queued' : 'Backing up';
  return (
    <div class="stack" data-testid="backup-progress" aria-live="polite">
      <p>
        {label}: {done} of {total || '…'} rows and objects · {formatBytes(backup.progress.bytesWritten)} written
      </p>
      <progress max={total || 1} value={done} aria-label={`${label} progress`} style="width: 100%" />
    </div>
  );
}

function RestoreForm(props: { backup: Backup; onDone: (backup: Backup) => void; onCancel: () => void }) {
  const form = useForm(async (data) => {
    if (String(data.get('confirm') ?? '').trim() !== CONFIRMATION) {
      throw new ApiError({
        status: 400,
        code: 'validation_failed',
        title: 'Validation failed',
        type: 'about:blank',
        detail: `Type “${CONFIRMATION}” to confirm.`,
      });
    }
    props.onDone(await backupsApi.restore(props.backup.id));
  });
  return (
    <form ref={form.ref} onSubmit={form.onSubmit} class="stack" data-testid="restore-form" noValidate>
      <p>
        Restoring replaces every account, file, room and message with the archive’s, and signs everyone out (you too).
        Type <strong>{CONFIRMATION}</strong> to go ahead.
      </p>
      <input class="input" name="confirm" autocomplete="off" aria-label="Confirmation" data-testid="restore-confirm" />
      <div class="row">
        <SubmitButton busy={form.busy} class="button button-danger" testid="restore-submit">
          Restore
        </SubmitButton>
        <button type="button" class="button button-quiet" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      <FormError error={form.problem} />
    </form>
  );
}

function BackupRow(props: { backup: Backup; locked: boolean; onChanged: () => void }) {
  const { backup, locked, onChanged } = props;
  const [restoring, setRestoring] = useLiveState(false);
  const action = useAction();
  const download = () =>
    action.run(async () => {
      // The signature covers method, path and expiry, not the host: this origin serves the link
      // whatever origin APP_URL names (locally, localhost against the 127.0.0.1 the page is on).
      const url = new URL((await backupsApi.download(backup.id)).url, window.location.href);
      window.location.assign(`${url.pathname}${url.search}`);
    });
  const remove = () =>
    action.run(async () => {
      if (!window.confirm('Delete this backup and its archive?')) return;
      await backupsApi.remove(backup.id);
      onChanged();
    });
  const status =
    backup.restore && backup.restore.status !== 'done' ? `restore ${backup.restore.status}` : backup.status;
  return (
    <>
      <tr data-testid="backup-row" data-backup-id={backup.id} data-status={backup.status}>
        <td>{formatTime(backup.createdAt)}</td>
        <td>{backup.origin}</td>
        <td data-testid="backup-status">
          {status}
          {backup.encrypted ? ' · encrypted' : ''}
          {(backup.error ?? backup.restore?.error) && (
            <span class="muted" data-testid="backup-error">
              {' '}
              — {backup.error ?? backup.restore?.error}
            </span>
          )}
        </td>
        <td class="num">{formatBytes(backup.sizeBytes)}</td>
        <td class="num">{duration(backup.durationMs)}</td>
        <td class="row">
          {backup.status === 'done' && (
            <>
              <button type="button" class="button button-small" onClick={download} data-testid="backup-download">
                Download
              </button>
              <button
                type="button"
                class="button button-small"
                disabled={locked}
                onClick={() => setRestoring(true)}
                data-testid="backup-restore"
              >
                Restore
              </button>
            </>
          )}
          <button
            type="button"
            class="button button-quiet"
            disabled={isBusy(backup)}
            onClick={remove}
            data-testid="backup-delete"
          >
            Delete
          </button>
          <FormError error={action.error} />
        </td>
      </tr>
      {restoring && (
        <tr>
          <td colSpan={6}>
            <RestoreForm
              backup={backup}
              onDone={() => {
                setRestoring(false);
                onChanged();
              }}
              onCancel={() => setRestoring(false)}
            />
          </td>
        </tr>
      )}
    </>
  );
}

function ScheduleForm({ schedule }: { schedule: Schedule }) {
  const [frequency, setFrequency] = useLiveState(schedule.frequency);
  const [saved, setSaved] = useLiveState(false);
  const form = useForm(async (data) => {
    setSaved(false);
    const chosen = String(data.get('frequency')) as Schedule['frequency'];
    await backupsApi.saveSchedule({
      frequency: chosen,
      hourUtc: Number(data.get('hourUtc')),
      weekday: chosen === 'weekly' ? Number(data.get('weekday')) : null,
      keep: Number(data.get('keep')),
    });
    setSaved(true);
  });
  return (
    <form ref={form.ref} onSubmit={form.onSubmit} class="stack" data-testid="schedule-form" noValidate>
      <label class="field">
        <span>How often</span>
        <select
          class="input"
          name="frequency"
          data-testid="schedule-frequency"
          onChange={(event: Event) => setFrequency((event.target as HTMLSelectElement).value as Schedule['frequency'])}
        >
          {(['off', 'daily', 'weekly'] as const).map((value) => (
            <option value={value} selected={value === schedule.frequency}>
              {value === 'off' ? 'Off' : value === 'daily' ? 'Every day' : 'Every week'}
            </option>
          ))}
        </select>
      </label>
      {frequency === 'weekly' && (
        <label class="field">
          <span>On</span>
          <select class="input" name="weekday" data-testid="schedule-weekday">
            {WEEKDAYS.map((day, index) => (
              <option value={String(index)} selected={index === (schedule.weekday ?? 0)}>
                {day}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="field">
        <span>At (hour, UTC)</span>
        <input
          class="input"
          name="hourUtc"
          type="number"
          min={0}
          max={23}
          value={String(schedule.hourUtc)}
          aria-invalid={form.fields.hourUtc ? 'true' : undefined}
          data-testid="schedule-hour"
        />
      </label>
      <label class="field">
        <span>Keep the newest</span>
        <input
          class="input"
          name="keep"
          type="number"
          min={1}
          max={30}
          value={String(schedule.keep)}
          aria-invalid={form.fields.keep ? 'true' : undefined}
          data-testid="schedule-keep"
        />
      </label>
      <SubmitButton busy={form.busy} testid="schedule-save">
        Save schedule
      </SubmitButton>
      {saved && (
        <p class="notice" role="status" data-testid="schedule-saved">
          Saved.
        </p>
      )}
      <FormError error={form.problem} />
    </form>
  );
}

type State =
  | { kind: 'loading' }
  | { kind: 'loaded'; backups: Backup[]; schedule: Schedule }
  | { kind: 'error'; error: ApiError };

/** Admin → Backups: back up now with live progress, the archives, the schedule, and restore. */
export function AdminBackupsPage() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });
  const start = useAction();
  const load = () =>
    Promise.all([backupsApi.list(), backupsApi.schedule()]).then(
      ([page, schedule]) => setState({ kind: 'loaded', backups: page.items, schedule }),
      (error: unknown) => setState({ kind: 'error', error: asApiError(error) }),
    );
  useEffect(() => {
    load();
  }, []);
  const backups = state.kind === 'loaded' ? state.backups : [];
  const running = backups.find(isBusy);
  // While a job runs the list is read again every second; a restore may sign us out, which ends it.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(load, 1000);
    return () => clearInterval(timer);
  }, [running?.id, running?.status, running?.restore?.status]);

  const backUpNow = () =>
    start.run(async () => {
      await backupsApi.start();
      await load();
    });

  return (
    <div class="page" data-testid="admin-backups">
      <header class="page-header">
        <h1>Backups</h1>
        <AdminTabs />
      </header>
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
        <div class="stack">
          <section class="card stack" aria-labelledby="now-heading">
            <h2 id="now-heading">Back up</h2>
            <p class="muted">
              One archive of every table and every stored file, written to storage as it is made. Sessions are left out:
              after a restore everyone signs in again.
            </p>
            <div>
              <button
                type="button"
                class="button"
                onClick={backUpNow}
                disabled={start.busy || Boolean(running)}
                data-testid="backup-now"
              >
                Back up now
              </button>
            </div>
            {running && <JobProgress backup={running} />}
            <FormError error={start.error} />
          </section>

          <section class="card" aria-labelledby="list-heading">
            <h2 id="list-heading">Archives</h2>
            {backups.length === 0 ? (
              <p class="muted empty">No backups yet.</p>
            ) : (
              <TableScroll label="Backups">
                <table class="table" data-testid="backup-list">
                  <thead>
                    <tr>
                      <th scope="col">Started</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Status</th>
                      <th scope="col" class="num">
                        Size
                      </th>
                      <th scope="col" class="num">
                        Took
                      </th>
                      <th scope="col">
                        <span class="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {backups.map((backup) => (
                      <BackupRow key={backup.id} backup={backup} locked={Boolean(running)} onChanged={load} />
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </section>

          <section class="card" aria-labelledby="schedule-heading">
            <h2 id="schedule-heading">Schedule</h2>
            <ScheduleForm schedule={state.schedule} />
          </section>
        </div>
      )}
    </div>
  );
}
