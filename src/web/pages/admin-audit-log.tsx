import { auditActions } from '../../features/audit/audit-actions';
import { type AuditLogQuery, api } from '../api';
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
import { formatTime } from '../format';
import { navigate, useSearchParams } from '../router';
import type { AuditAction, AuditEvent } from '../types';

const PATH = '/admin/audit-log';
const FILTERS = ['email', 'action', 'outcome', 'since', 'until'] as const;
type FilterName = (typeof FILTERS)[number];
type Filters = Partial<Record<FilterName, string>>;

const isAction = (value: string | undefined): value is AuditAction =>
  value !== undefined && (auditActions as readonly string[]).includes(value);

function toQuery(filters: Filters): Omit<AuditLogQuery, 'cursor'> {
  return {
    email: filters.email,
    action: isAction(filters.action) ? filters.action : undefined,
    outcome: filters.outcome === 'success' || filters.outcome === 'failure' ? filters.outcome : undefined,
    since: filters.since,
    until: filters.until,
  };
}

/** Who or what an event is about: an email when the account has one, else its kind and a short id. */
function Party(props: {
  email: string | null;
  id: string | null;
  type?: string | null;
  none: string;
  onPick: (email: string) => void;
}) {
  const { email, id, type, none, onPick } = props;
  if (email)
    return <PickFilter text={email} label="Show events about" onPick={() => onPick(email)} testid="pick-email" />;
  if (!id) return <span class="muted">{none}</span>;
  return (
    <span class="mono" title={id}>
      {type && type !== 'user' ? `${type} ` : ''}
      {shortId(id)}
    </span>
  );
}

/** The details an event carries, as short `key: value` text. */
function detailsText(details: Record<string, unknown> | null): string {
  if (!details) return '';
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') || '—' : String(value)}`)
    .join(' · ');
}

/** Security events, newest first; the filters live in the address, so a filtered view can be linked to. */
export function AdminAuditLogPage() {
  const params = useSearchParams();
  const filters = filtersFrom(params, FILTERS);
  const list = usePagedList(
    (cursor) => api.auditLog({ ...toQuery(filters), cursor }),
    FILTERS.map((name) => filters[name]),
  );

  const go = (next: Filters) => navigate(filterAddress(PATH, FILTERS, next), { replace: true });
  const apply = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    go({
      email: textOf(data, 'email') || undefined,
      action: textOf(data, 'action') || undefined,
      outcome: textOf(data, 'outcome') || undefined,
      since: fromLocalInput(textOf(data, 'since')),
      until: fromLocalInput(textOf(data, 'until')),
    });
  };
  const pick = (name: FilterName, value: string) => go({ ...filters, [name]: value });

  const filtered = FILTERS.some((name) => filters[name]);
  return (
    <div class="page" data-testid="admin-audit-log">
      <header class="page-header">
        <h1>Audit log</h1>
        <AdminTabs />
      </header>
      <section class="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading" class="visually-hidden">
          Security events
        </h2>
        <search>
          <form class="filters" onSubmit={apply} data-testid="audit-filters">
            <label class="filter filter-grow">
              <span>Email</span>
              <input
                class="input"
                type="search"
                name="email"
                placeholder="Part of the actor’s or target’s email"
                autocomplete="off"
                maxlength={320}
                value={filters.email ?? ''}
                data-testid="filter-email"
              />
            </label>
            <label class="filter">
              <span>Action</span>
              <select class="input" name="action" data-testid="filter-action">
                <option value="">Any action</option>
                {auditActions.map((action) => (
                  <option value={action} selected={filters.action === action}>
                    {action}
                  </option>
                ))}
              </select>
            </label>
            <label class="filter">
              <span>Outcome</span>
              <select class="input" name="outcome" data-testid="filter-outcome">
                <option value="">Any outcome</option>
                <option value="success" selected={filters.outcome === 'success'}>
                  Success
                </option>
                <option value="failure" selected={filters.outcome === 'failure'}>
                  Failure
                </option>
              </select>
            </label>
            <TimeFilter label="From" name="since" value={filters.since} testid="filter-since" />
            <TimeFilter label="Before" name="until" value={filters.until} testid="filter-until" />
            <FilterActions filtered={filtered} onClear={() => go({})} />
          </form>
        </search>

        {list.items.length > 0 && (
          <TableScroll label="Audit log entries">
            <table class="table log-table" aria-busy={String(list.loading)} data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">By</th>
                  <th scope="col">About</th>
                  <th scope="col">Client</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((event: AuditEvent) => (
                  <tr data-testid="audit-row" data-action={event.action} data-outcome={event.outcome}>
                    <td data-label="When" class="log-when">
                      <time datetime={event.at} title={formatTime(event.at, 'full')}>
                        {formatTime(event.at, 'shortDateTime')}
                      </time>
                    </td>
                    <td data-label="Event">
                      <button
                        type="button"
                        class="link-button mono"
                        title={`Show only ${event.action}`}
                        onClick={() => pick('action', event.action)}
                      >
                        {event.action}
                      </button>{' '}
                      <span class={`badge ${event.outcome === 'success' ? 'badge-ok' : 'badge-fail'}`}>
                        {event.outcome === 'success' ? 'Success' : 'Failure'}
                      </span>
                      {event.details && <span class="muted cell-sub">{detailsText(event.details)}</span>}
                    </td>
                    <td data-label="By">
                      <Party
                        email={event.actorEmail}
                        id={event.actorId}
                        none="System"
                        onPick={(email) => pick('email', email)}
                      />
                    </td>
                    <td data-label="About">
                      <Party
                        email={event.targetEmail}
                        id={event.targetId}
                        type={event.targetType}
                        none="—"
                        onPick={(email) => pick('email', email)}
                      />
                    </td>
                    <ClientCell ip={event.ip} userAgent={event.userAgent} />
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        {!list.loading && !list.error && list.items.length === 0 && (
          <p class="muted empty" data-testid="no-events">
            {filtered ? 'No events match these filters.' : 'Nothing has been recorded yet.'}
          </p>
        )}
        <ListFooter list={list} onMore={list.loadMore} onRetry={list.retry} />
      </section>
    </div>
  );
}
