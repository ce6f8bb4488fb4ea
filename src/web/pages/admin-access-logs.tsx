import { AdminTabs } from '../components/account-tabs';
import { textOf } from '../components/form';
import { ListFooter, usePagedList } from '../components/paged-list';
import { type AccessLogQuery, filesApi } from '../files/api';
import { formatBytes } from '../files/format';
import { navigate, useSearchParams } from '../router';
import type { AccessLogEntry } from '../types';

const FILTERS = ['fileId', 'ownerId', 'since'] as const;
type FilterName = (typeof FILTERS)[number];
const ID_FILTERS = [
  { name: 'fileId', label: 'File ID', testid: 'filter-file' },
  { name: 'ownerId', label: 'Owner ID', testid: 'filter-owner' },
] as const;

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
const fullWhen = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });

/** `01m80rfe…4xymjs9`: ids start with their time, so both ends are kept. */
const shortId = (id: string) => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id);

const addressFor = (filters: Partial<Record<FilterName, string>>) => {
  const search = new URLSearchParams();
  for (const name of FILTERS) {
    const value = filters[name];
    if (value) search.set(name, value);
  }
  const text = search.toString();
  return `/admin/access-logs${text ? `?${text}` : ''}`;
};

/** An id that narrows the list to itself when clicked; the whole id is in its title. */
function IdFilter(props: { id: string; label: string; onPick: () => void }) {
  return (
    <button type="button" class="link-button mono" title={`${props.label} ${props.id}`} onClick={props.onPick}>
      {shortId(props.id)}
    </button>
  );
}

/** `2025-01-31T09:30` (a datetime-local value, the reader's zone) for an ISO instant, and back. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function viaText(entry: AccessLogEntry): string {
  if (entry.shareId) return 'Share link';
  if (entry.userId) return 'Signed-in user';
  return 'Signed link';
}

/** Every download, newest first; the filters live in the address, so a filtered view can be linked to. */
export function AdminAccessLogsPage() {
  const params = useSearchParams();
  const filters: Omit<AccessLogQuery, 'cursor'> = {
    fileId: params.get('fileId') ?? undefined,
    ownerId: params.get('ownerId') ?? undefined,
    since: params.get('since') ?? undefined,
  };
  const list = usePagedList(
    (cursor) => filesApi.accessLogs({ ...filters, cursor }),
    [filters.fileId, filters.ownerId, filters.since],
  );

  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const since = textOf(data, 'since');
    navigate(
      addressFor({
        fileId: textOf(data, 'fileId'),
        ownerId: textOf(data, 'ownerId'),
        since: since ? new Date(since).toISOString() : undefined,
      }),
      { replace: true },
    );
  };
  const pick = (name: FilterName, value: string) =>
    navigate(addressFor({ ...filters, [name]: value }), { replace: true });

  const filtered = FILTERS.some((name) => filters[name]);
  return (
    <div class="page" data-testid="admin-access-logs">
      <header class="page-header">
        <h1>Access logs</h1>
        <AdminTabs />
      </header>
      <section class="card" aria-labelledby="logs-heading">
        <h2 id="logs-heading" class="visually-hidden">
          Downloads
        </h2>
        <search>
          <form class="filters" onSubmit={apply} data-testid="log-filters">
            {ID_FILTERS.map((filter) => (
              <label class="filter filter-grow">
                <span>{filter.label}</span>
                <input
                  class="input mono"
                  name={filter.name}
                  autocomplete="off"
                  maxlength={64}
                  value={filters[filter.name] ?? ''}
                  data-testid={filter.testid}
                />
              </label>
            ))}
            <label class="filter">
              <span>Since</span>
              <input
                class="input"
                type="datetime-local"
                name="since"
                value={toLocalInput(filters.since)}
                data-testid="filter-since"
              />
            </label>
            <button type="submit" class="button" data-testid="apply-filters">
              Filter
            </button>
            {filtered && (
              <button
                type="button"
                class="button button-quiet"
                onClick={() => navigate(addressFor({}), { replace: true })}
              >
                Clear
              </button>
            )}
          </form>
        </search>

        {list.items.length > 0 && (
          <div class="table-wrap">
            <table class="table log-table" aria-busy={String(list.loading)} data-testid="log-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">File and owner</th>
                  <th scope="col">Through</th>
                  <th scope="col">Client</th>
                  <th scope="col" class="num">
                    Bytes
                  </th>
                  <th scope="col" class="num">
                    Status
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((entry) => (
                  <tr data-testid="log-row" data-file-id={entry.fileId}>
                    <td data-label="When" class="log-when">
                      <time datetime={entry.at} title={fullWhen.format(new Date(entry.at))}>
                        {when.format(new Date(entry.at))}
                      </time>
                    </td>
                    <td data-label="File" class="log-ids">
                      <IdFilter
                        id={entry.fileId}
                        label="Show downloads of file"
                        onPick={() => pick('fileId', entry.fileId)}
                      />
                      <span class="muted cell-sub">
                        owner{' '}
                        <IdFilter
                          id={entry.ownerId}
                          label="Show downloads of files owned by"
                          onPick={() => pick('ownerId', entry.ownerId)}
                        />
                      </span>
                    </td>
                    <td data-label="Through">
                      {viaText(entry)}
                      {entry.shareId && (
                        <span class="mono muted cell-sub" title={entry.shareId}>
                          {shortId(entry.shareId)}
                        </span>
                      )}
                    </td>
                    <td data-label="Client" class="log-client">
                      {entry.ip ?? 'Unknown address'}
                      {entry.userAgent && (
                        <span class="muted cell-sub" title={entry.userAgent}>
                          {entry.userAgent}
                        </span>
                      )}
                    </td>
                    <td data-label="Bytes" class="num">
                      {formatBytes(entry.bytes)}
                    </td>
                    <td data-label="Status" class="num">
                      <span class={`badge ${entry.status < 400 ? 'badge-ok' : 'badge-fail'}`}>{entry.status}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {!list.loading && !list.error && list.items.length === 0 && (
          <p class="muted empty" data-testid="no-logs">
            {filtered ? 'No downloads match these filters.' : 'Nothing has been downloaded yet.'}
          </p>
        )}
        <ListFooter list={list} onMore={list.loadMore} onRetry={list.retry} />
      </section>
    </div>
  );
}
