import { useEffect } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { AdminTabs } from '../components/account-tabs';
import { errorMessage, FormError, SubmitButton, useAction, useForm } from '../components/form';
import { TableScroll } from '../components/table-scroll';
import { filesApi } from '../files/api';
import { formatBytes } from '../files/format';
import { dateTime, formatTime } from '../format';
import { useLiveState } from '../hooks';
import { Link } from '../router';
import type { StorageReport } from '../types';

type UsageRow = StorageReport['users'][number];
type State = { kind: 'loading' } | { kind: 'loaded'; report: StorageReport } | { kind: 'error'; error: ApiError };

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** A quota shown in the unit it reads best in: whole gigabytes as GB, anything else as MB. */
function quotaInUnits(bytes: number): { amount: string; unit: number } {
  if (bytes >= GB && bytes % (GB / 100) === 0) return { amount: String(bytes / GB), unit: GB };
  return { amount: String(Math.round((bytes / MB) * 100) / 100), unit: MB };
}

const usedPercent = (row: UsageRow) => (row.quotaBytes > 0 ? Math.round((row.bytes / row.quotaBytes) * 100) : 100);

function QuotaForm(props: {
  row: UsageRow;
  defaultQuota: number;
  onSaved: (quotaBytes: number) => void;
  onCancel: () => void;
}) {
  const { row, defaultQuota, onSaved, onCancel } = props;
  const current = quotaInUnits(row.quotaBytes);
  const reset = useAction();
  const form = useForm(async (data) => {
    const amount = Number(String(data.get('amount') ?? '').trim());
    const unit = Number(data.get('unit'));
    const set = await filesApi.setQuota(row.userId, Math.round(amount * unit));
    onSaved(set.quotaBytes);
  });
  const useDefault = () => reset.run(async () => onSaved((await filesApi.setQuota(row.userId, null)).quotaBytes));

  return (
    <form ref={form.ref} class="quota-form" onSubmit={form.onSubmit} noValidate data-testid="quota-form">
      <input
        class="input input-small quota-amount"
        name="amount"
        type="number"
        min={0}
        step="any"
        required
        value={current.amount}
        aria-label={`Quota for ${row.email ?? row.userId} in the unit beside it`}
        aria-invalid={form.fields.quotaBytes ? 'true' : undefined}
        data-testid="quota-amount"
      />
      <select class="input input-small" name="unit" aria-label="Unit" data-testid="quota-unit">
        <option value={String(MB)} selected={current.unit === MB}>
          MB
        </option>
        <option value={String(GB)} selected={current.unit === GB}>
          GB
        </option>
      </select>
      <SubmitButton busy={form.busy} class="button button-small" testid="quota-save">
        Save
      </SubmitButton>
      <button
        type="button"
        class="button button-quiet"
        onClick={useDefault}
        disabled={reset.busy}
        title={`The deployment default, ${formatBytes(defaultQuota)}`}
      >
        Use default
      </button>
      <button type="button" class="button button-quiet" onClick={onCancel}>
        Cancel
      </button>
      <div class="quota-errors">
        <FormError error={form.problem ?? reset.error} />
      </div>
    </form>
  );
}

// One lookup per owner while the page is open: an owner can have a usage row and several large files.
const ownerLookups = new Map<string, Promise<string | null>>();

/** The report names owners by email only; a phone-only account is looked up for its name or number. */
function useOwnerLabel(userId: string, email: string | null | undefined): string | null {
  const [label, setLabel] = useLiveState<string | null>(email ?? null);
  useEffect(() => {
    if (email) return;
    let lookup = ownerLookups.get(userId);
    if (!lookup) {
      lookup = filesApi.user(userId).then(
        (user) => user.name ?? user.phone ?? user.email,
        () => null,
      );
      ownerLookups.set(userId, lookup);
    }
    lookup.then(setLabel);
  }, [userId, email]);
  return label;
}

function OwnerName({ userId, email }: { userId: string; email?: string | null }) {
  const label = useOwnerLabel(userId, email);
  return label ? <span>{label}</span> : <span class="mono">{userId}</span>;
}

function UsageTableRow(props: { row: UsageRow; defaultQuota: number; onChanged: (row: UsageRow) => void }) {
  const { row, defaultQuota, onChanged } = props;
  const [editing, setEditing] = useLiveState(false);
  const owner = useOwnerLabel(row.userId, row.email) ?? 'Account without email';
  const percent = usedPercent(row);
  return (
    <tr data-testid="usage-row" data-user-id={row.userId}>
      <td data-label="User" class="usage-user">
        <span class="cell-strong">{owner}</span>
        <span class="mono muted cell-sub">{row.userId}</span>
      </td>
      <td data-label="Files" class="num">
        {row.files}
      </td>
      <td data-label="Used" class="num" data-testid="usage-bytes">
        {formatBytes(row.bytes)}
      </td>
      <td data-label="Quota" class="usage-quota">
        {editing ? (
          <QuotaForm
            row={row}
            defaultQuota={defaultQuota}
            onSaved={(quotaBytes) => {
              onChanged({ ...row, quotaBytes });
              setEditing(false);
            }}
            onCancel={() => setEditing(false)}
          />
        ) : (
          <div class="quota-view">
            <meter
              class="usage-meter"
              min={0}
              max={Math.max(row.quotaBytes, 1)}
              value={row.bytes}
              high={row.quotaBytes * 0.9}
              aria-label={`${percent}% of the quota used`}
            />
            <span data-testid="usage-quota">
              {percent}% of {formatBytes(row.quotaBytes)}
            </span>
            <button
              type="button"
              class="link-button"
              onClick={() => setEditing(true)}
              aria-label={`Change the quota of ${owner}`}
              data-testid="edit-quota"
            >
              Change
            </button>
          </div>
        )}
      </td>
      <td class="row-actions">
        <Link href={`/admin/access-logs?ownerId=${encodeURIComponent(row.userId)}`}>Downloads</Link>
      </td>
    </tr>
  );
}

export function AdminStoragePage() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });

  useEffect(() => {
    ownerLookups.clear();
    filesApi.storage().then(
      (report) => setState({ kind: 'loaded', report }),
      (error: unknown) => setState({ kind: 'error', error: asApiError(error) }),
    );
  }, []);

  const replaceRow = (row: UsageRow) =>
    setState((current) =>
      current.kind === 'loaded'
        ? {
            kind: 'loaded',
            report: {
              ...current.report,
              users: current.report.users.map((item) => (item.userId === row.userId ? row : item)),
            },
          }
        : current,
    );

  const report = state.kind === 'loaded' ? state.report : null;
  const owners = new Map(report?.users.map((row) => [row.userId, row.email]) ?? []);
  return (
    <div class="page" data-testid="admin-storage">
      <header class="page-header">
        <h1>Storage</h1>
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
      {report && (
        <div class="stack">
          <section class="card" aria-labelledby="totals-heading">
            <h2 id="totals-heading">Totals</h2>
            <dl class="stats" data-testid="storage-totals">
              <div>
                <dt>Stored</dt>
                <dd data-testid="total-bytes">{formatBytes(report.totals.bytes)}</dd>
              </div>
              <div>
                <dt>Files</dt>
                <dd data-testid="total-files">{report.totals.files}</dd>
              </div>
              <div>
                <dt>Users with files</dt>
                <dd data-testid="total-users">{report.totals.users}</dd>
              </div>
              <div>
                <dt>Default quota</dt>
                <dd>{formatBytes(report.defaultQuotaBytes)}</dd>
              </div>
            </dl>
          </section>

          <section class="card" aria-labelledby="usage-heading">
            <h2 id="usage-heading">Usage by user</h2>
            <p class="muted">Everyone who stores a file, most space first. A quota applies to the next upload.</p>
            {report.users.length === 0 ? (
              <p class="muted empty">Nobody has uploaded a file yet.</p>
            ) : (
              <TableScroll label="Usage by user">
                <table class="table usage-table" data-testid="usage-table">
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col" class="num">
                        Files
                      </th>
                      <th scope="col" class="num">
                        Used
                      </th>
                      <th scope="col">Quota</th>
                      <th scope="col">
                        <span class="visually-hidden">Links</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.users.map((row) => (
                      <UsageTableRow
                        key={row.userId}
                        row={row}
                        defaultQuota={report.defaultQuotaBytes}
                        onChanged={replaceRow}
                      />
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </section>

          <section class="card" aria-labelledby="largest-heading">
            <h2 id="largest-heading">Largest files</h2>
            {report.largestFiles.length === 0 ? (
              <p class="muted empty">No files stored.</p>
            ) : (
              <TableScroll label="Largest files">
                <table class="table" data-testid="largest-files">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Owner</th>
                      <th scope="col" class="num">
                        Size
                      </th>
                      <th scope="col">Uploaded</th>
                      <th scope="col">
                        <span class="visually-hidden">Links</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.largestFiles.map((file) => (
                      <tr data-testid="largest-file">
                        <td data-label="Name" class="cell-name">
                          <span class="cell-strong" title={file.name}>
                            {file.name}
                          </span>
                        </td>
                        <td data-label="Owner">
                          <OwnerName userId={file.ownerId} email={owners.get(file.ownerId)} />
                        </td>
                        <td data-label="Size" class="num">
                          {formatBytes(file.size)}
                        </td>
                        <td data-label="Uploaded">
                          <time datetime={file.createdAt} title={dateTime(file.createdAt)}>
                            {formatTime(file.createdAt, 'date')}
                          </time>
                        </td>
                        <td class="row-actions">
                          <Link href={`/admin/access-logs?fileId=${encodeURIComponent(file.id)}`}>Downloads</Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
