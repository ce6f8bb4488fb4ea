import { AdminTabs } from '../components/account-tabs';
import { textOf } from '../components/form';
import {
  ClientCell,
  FilterActions,
  filterAddress,
  filtersFrom,
  fromLocalInput,
  PickFilter,
  shortId,
  TimeFilter,
} from '../components/log-filters';
import { ListFooter, usePagedList } from '../components/paged-list';
import { TableScroll } from '../components/table-scroll';
import { type AccessLogQuery, filesApi } from '../files/api';
import { formatBytes } from '../files/format';
import { formatTime } from '../format';
import { navigate, useSearchParams } from '../router';
import type { AccessLogEntry } from '../types';

const PATH = '/admin/access-logs';
// `fileId` and `ownerId` still narrow the list when a link carries them; people filter by name and email.
const FILTERS = ['file', 'email', 'fileId', 'ownerId', 'since'] as const;
type FilterName = (typeof FILTERS)[number];
const TEXT_FILTERS = [
  { name: 'file', label: 'File name', placeholder: 'Part of the file name', testid: 'filter-file' },
  { name: 'email', label: 'Email', placeholder: 'Owner’s or downloader’s email', testid: 'filter-email' },
] as const;

function viaText(entry: AccessLogEntry): string {
  if (entry.shareId) return 'Share link';
  if (entry.userId) return 'Signed-in user';
  return 'Signed link';
}

/** Every download, newest first; the filters live in the address, so a filtered view can be linked to. */
export function AdminAccessLogsPage() {
  const params = useSearchParams();
  const filters: Omit<AccessLogQuery, 'cursor'> = filtersFrom(params, FILTERS);
  const list = usePagedList(
    (cursor) => filesApi.accessLogs({ ...filters, cursor }),
    FILTERS.map((name) => filters[name]),
  );

  const go = (next: Partial<Record<FilterName, string>>) =>
    navigate(filterAddress(PATH, FILTERS, next), { replace: true });
  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    go({
      file: textOf(data, 'file') || undefined,
      email: textOf(data, 'email') || undefined,
      since: fromLocalInput(textOf(data, 'since')),
    });
  };
  // A picked name or email replaces the id filters: it is what the person now reads in the fields.
  const pick = (name: FilterName, value: string) =>
    go({ ...filters, fileId: undefined, ownerId: undefined, [name]: value });

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
            {TEXT_FILTERS.map((filter) => (
              <label class="filter filter-grow">
                <span>{filter.label}</span>
                <input
                  class="input"
                  type="search"
                  name={filter.name}
                  placeholder={filter.placeholder}
                  autocomplete="off"
                  maxlength={filter.name === 'email' ? 320 : 255}
                  value={filters[filter.name] ?? ''}
                  data-testid={filter.testid}
                />
              </label>
            ))}
            <TimeFilter label="Since" name="since" value={filters.since} testid="filter-since" />
            <FilterActions filtered={filtered} onClear={() => go({})} />
          </form>
        </search>

        {list.items.length > 0 && (
          <TableScroll label="File downloads">
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
                  <tr data-testid="log-row" data-file-id={entry.fileId} data-file-name={entry.fileName ?? ''}>
                    <td data-label="When" class="log-when">
                      <time datetime={entry.at} title={formatTime(entry.at, 'full')}>
                        {formatTime(entry.at, 'shortDateTime')}
                      </time>
                    </td>
                    <td data-label="File" class="log-ids">
                      {entry.fileName ? (
                        <PickFilter
                          text={entry.fileName}
                          label="Show downloads of"
                          onPick={() => pick('file', entry.fileName ?? '')}
                          testid="pick-file"
                        />
                      ) : (
                        <span class="muted" title={entry.fileId}>
                          Deleted file <span class="mono">{shortId(entry.fileId)}</span>
                        </span>
                      )}
                      <span class="muted cell-sub">
                        owner{' '}
                        {entry.ownerEmail ? (
                          <PickFilter
                            text={entry.ownerEmail}
                            label="Show downloads involving"
                            onPick={() => pick('email', entry.ownerEmail ?? '')}
                            testid="pick-owner"
                          />
                        ) : (
                          <span class="mono" title={entry.ownerId}>
                            {shortId(entry.ownerId)}
                          </span>
                        )}
                      </span>
                    </td>
                    <td data-label="Through">
                      {viaText(entry)}
                      {entry.userEmail && (
                        <span class="muted cell-sub">
                          <PickFilter
                            text={entry.userEmail}
                            label="Show downloads involving"
                            onPick={() => pick('email', entry.userEmail ?? '')}
                            testid="pick-downloader"
                          />
                        </span>
                      )}
                      {entry.shareId && (
                        <span class="mono muted cell-sub" title={entry.shareId}>
                          {shortId(entry.shareId)}
                        </span>
                      )}
                    </td>
                    <ClientCell ip={entry.ip} userAgent={entry.userAgent} />
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
          </TableScroll>
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
