import { useEffect, useRef } from 'hono/jsx/dom';
import { type ApiError, api, asApiError, type UserQuery } from '../api';
import { AdminTabs } from '../components/account-tabs';
import { useConfirm } from '../components/confirm';
import { errorMessage, FormError, textOf, useAction } from '../components/form';
import { dateTime, formatTime } from '../format';
import { useLiveState } from '../hooks';
import { useSession } from '../session';
import type { Role, User, UserStatus } from '../types';

type Filters = Omit<UserQuery, 'cursor'>;

interface ListState {
  items: User[];
  nextCursor: string | null;
  loading: boolean;
  error: ApiError | null;
}

const displayName = (user: User) => user.name ?? user.email ?? user.phone ?? user.id;

function UserRow(props: {
  user: User;
  isMe: boolean;
  roles: Role[];
  onChanged: (user: User) => void;
  ask: (message: string, action: string) => Promise<boolean>;
}) {
  const { user, isMe, roles, onChanged, ask } = props;
  const action = useAction();
  const name = displayName(user);
  const change = (update: { roles?: string[]; status?: UserStatus }) =>
    action.run(async () => onChanged(await api.updateUser(user.id, update)));

  const toggleStatus = async () => {
    if (user.status === 'active') {
      const sure = await ask(
        `Deactivate ${name}? They are signed out everywhere at once and cannot sign in until reactivated.`,
        'Deactivate',
      );
      if (sure) await change({ status: 'deactivated' });
    } else {
      await change({ status: 'active' });
    }
  };

  const removeRole = async (role: string) => {
    const warning =
      role === 'admin' && isMe
        ? 'Remove your own admin role? You will lose access to these pages.'
        : `Take the ${role} role from ${name}?`;
    if (await ask(warning, 'Remove role')) await change({ roles: user.roles.filter((held) => held !== role) });
  };

  const addRole = (event: Event) => {
    const select = event.currentTarget as HTMLSelectElement;
    const role = select.value;
    select.value = '';
    if (role) void change({ roles: [...user.roles, role] });
  };

  const grantable = roles.filter((role) => !user.roles.includes(role.name));
  return (
    <li class="user-row" data-testid="user-row" data-user-id={user.id} data-email={user.email ?? ''}>
      <div class="user-main">
        <p class="user-title">
          <span class="user-display-name">{name}</span>
          {isMe && <span class="badge">You</span>}
          <span
            class={`badge ${user.status === 'active' ? 'badge-ok' : 'badge-fail'}`}
            data-testid="user-status"
            data-state={user.status}
          >
            {user.status === 'active' ? 'Active' : 'Deactivated'}
          </span>
        </p>
        <p class="muted user-contact">
          {/* Whatever identifies the account besides the name shown above. */}
          {[user.email, user.phone].filter((contact) => contact && contact !== name).map((contact) => `${contact} · `)}
          <span title={dateTime(user.createdAt)}>joined {formatTime(user.createdAt, 'date')}</span>
        </p>
      </div>
      <fieldset class="user-roles" data-testid="user-roles">
        <legend class="visually-hidden">Roles of {name}</legend>
        {user.roles.map((role) => (
          <span class="chip" data-role={role}>
            {role}
            {role !== 'user' && (
              <button
                type="button"
                class="chip-remove"
                aria-label={`Remove role ${role} from ${name}`}
                disabled={action.busy}
                onClick={() => removeRole(role)}
              >
                ×
              </button>
            )}
          </span>
        ))}
        {grantable.length > 0 && (
          <select
            class="input input-small"
            aria-label={`Add a role to ${name}`}
            disabled={action.busy}
            onChange={addRole}
            data-testid="add-role"
          >
            <option value="">Add role…</option>
            {grantable.map((role) => (
              <option value={role.name}>{role.name}</option>
            ))}
          </select>
        )}
      </fieldset>
      <div class="user-actions">
        <button
          type="button"
          class={`button button-quiet${user.status === 'active' ? ' button-quiet-danger' : ''}`}
          disabled={action.busy || isMe}
          title={isMe ? 'You cannot deactivate yourself here' : undefined}
          onClick={toggleStatus}
          data-testid="toggle-status"
        >
          {user.status === 'active' ? 'Deactivate' : 'Activate'}
        </button>
      </div>
      {action.error && (
        <div class="user-error">
          <FormError error={action.error} />
        </div>
      )}
    </li>
  );
}

export function AdminUsersPage() {
  const session = useSession();
  const confirm = useConfirm();
  const [filters, setFilters] = useLiveState<Filters>({});
  const [list, setList] = useLiveState<ListState>({ items: [], nextCursor: null, loading: true, error: null });
  const [roles, setRoles] = useLiveState<Role[]>([]);
  // Answers to an older search are dropped: only the latest request may fill the list.
  const latest = useRef(0);
  // Rows changed here, with the last request number at the time: a page requested before
  // the change (and answered after it) must not put the old row back.
  const edits = useRef(new Map<string, { user: User; ticket: number }>());
  const withEdits = (users: User[], ticket: number) =>
    users.map((user) => {
      const edit = edits.current.get(user.id);
      return edit && edit.ticket >= ticket ? edit.user : user;
    });

  const load = async (cursor?: string) => {
    const ticket = ++latest.current;
    setList((current) => ({ ...current, loading: true, error: null }));
    try {
      const page = await api.users({ ...filters, cursor });
      if (ticket !== latest.current) return;
      setList((current) => ({
        items: withEdits(cursor ? [...current.items, ...page.items] : page.items, ticket),
        nextCursor: page.nextCursor,
        loading: false,
        error: null,
      }));
    } catch (error) {
      if (ticket === latest.current) setList((current) => ({ ...current, loading: false, error: asApiError(error) }));
    }
  };

  // Reload from the first page whenever a filter changes.
  useEffect(() => {
    void load();
  }, [filters.q, filters.role, filters.status]);

  useEffect(() => {
    api.roles().then(
      (page) => setRoles(page.items),
      () => undefined,
    );
  }, []);

  const applyFilters = (event: Event) => {
    event.preventDefault();
    const form = (event.currentTarget as HTMLElement).closest('form');
    if (!form) return;
    const data = new FormData(form);
    setFilters({
      q: textOf(data, 'q') || undefined,
      role: textOf(data, 'role') || undefined,
      status: (textOf(data, 'status') || undefined) as UserStatus | undefined,
    });
  };

  const replaceUser = (user: User) => {
    edits.current.set(user.id, { user, ticket: latest.current });
    setList((current) => ({ ...current, items: current.items.map((item) => (item.id === user.id ? user : item)) }));
  };

  const myId = session.status === 'signed-in' ? session.user.id : '';
  return (
    <div class="page" data-testid="admin-users">
      <header class="page-header">
        <h1>Users</h1>
        <AdminTabs />
      </header>
      <section class="card" aria-labelledby="users-heading">
        <h2 id="users-heading" class="visually-hidden">
          Find users
        </h2>
        <search>
          <form class="filters" onSubmit={applyFilters} onChange={applyFilters} data-testid="user-filters">
            <label class="filter filter-grow">
              <span>Search</span>
              <input
                class="input"
                type="search"
                name="q"
                placeholder="Name, email or phone"
                autocomplete="off"
                maxlength={100}
                data-testid="user-search"
              />
            </label>
            <label class="filter">
              <span>Role</span>
              <select class="input" name="role" data-testid="role-filter">
                <option value="">Any role</option>
                {roles.map((role) => (
                  <option value={role.name}>{role.name}</option>
                ))}
              </select>
            </label>
            <label class="filter">
              <span>Status</span>
              <select class="input" name="status" data-testid="status-filter">
                <option value="">Any status</option>
                <option value="active">Active</option>
                <option value="deactivated">Deactivated</option>
              </select>
            </label>
            <button type="submit" class="button">
              Search
            </button>
          </form>
        </search>

        {list.error && (
          <p class="notice notice-fail" role="alert">
            {errorMessage(list.error)}
          </p>
        )}
        <ul class="user-list" aria-busy={String(list.loading)} data-testid="user-list">
          {list.items.map((user) => (
            <UserRow
              key={user.id}
              user={user}
              isMe={user.id === myId}
              roles={roles}
              onChanged={replaceUser}
              ask={confirm.ask}
            />
          ))}
        </ul>
        {!list.loading && list.items.length === 0 && !list.error && (
          <p class="muted" data-testid="no-users">
            No users match.
          </p>
        )}
        <div class="list-footer">
          {list.loading && <span class="muted">Loading…</span>}
          {!list.loading && list.nextCursor && (
            <button
              type="button"
              class="button button-quiet"
              onClick={() => load(list.nextCursor ?? undefined)}
              data-testid="load-more"
            >
              Load more
            </button>
          )}
        </div>
      </section>
      {confirm.dialog}
    </div>
  );
}
