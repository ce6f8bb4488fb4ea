import { useEffect } from 'hono/jsx/dom';
import { type ApiError, api, asApiError } from '../api';
import { AdminTabs } from '../components/account-tabs';
import { useConfirm } from '../components/confirm';
import { errorMessage, Field, FormError, SubmitButton, textOf, useAction, useForm } from '../components/form';
import { useLiveState } from '../hooks';
import type { Role } from '../types';

function RoleRow({ role, onDelete }: { role: Role; onDelete: (role: Role) => Promise<void> }) {
  const action = useAction();
  return (
    <li class="role-row" data-testid="role-row" data-role={role.name}>
      <div class="role-main">
        <p class="role-name">
          <span class="chip">{role.name}</span>
          {role.builtIn && <span class="badge">Built in</span>}
        </p>
        <p class="muted">{role.description ?? 'No description'}</p>
        <FormError error={action.error} />
      </div>
      {!role.builtIn && (
        <button
          type="button"
          class="button button-quiet button-quiet-danger"
          disabled={action.busy}
          onClick={() => action.run(() => onDelete(role))}
          aria-label={`Delete role ${role.name}`}
          data-testid="delete-role"
        >
          Delete
        </button>
      )}
    </li>
  );
}

export function AdminRolesPage() {
  const confirm = useConfirm();
  const [roles, setRoles] = useLiveState<Role[] | null>(null);
  const [loadError, setLoadError] = useLiveState<ApiError | null>(null);

  useEffect(() => {
    api.roles().then(
      (page) => setRoles(page.items),
      (error: unknown) => setLoadError(asApiError(error)),
    );
  }, []);

  const form = useForm(
    async (data, element) => {
      const description = textOf(data, 'description');
      const role = await api.createRole({ name: textOf(data, 'name'), description: description || undefined });
      setRoles((current) => [...(current ?? []), role].sort((a, b) => a.name.localeCompare(b.name)));
      element.reset();
    },
    { codeFields: { conflict: 'name' } },
  );

  const deleteRole = async (role: Role) => {
    if (!(await confirm.ask(`Delete the ${role.name} role? Everyone who holds it loses it.`, 'Delete role'))) return;
    await api.deleteRole(role.id);
    setRoles((current) => (current ?? []).filter((item) => item.id !== role.id));
  };

  return (
    <div class="page" data-testid="admin-roles">
      <header class="page-header">
        <h1>Roles</h1>
        <AdminTabs />
      </header>
      <div class="stack">
        <section class="card" aria-labelledby="roles-heading" aria-busy={String(roles === null && !loadError)}>
          <h2 id="roles-heading">All roles</h2>
          {loadError && (
            <p class="notice notice-fail" role="alert">
              {errorMessage(loadError)}
            </p>
          )}
          {roles === null && !loadError && <p class="muted">Loading…</p>}
          {roles && (
            <ul class="role-list" data-testid="role-list">
              {roles.map((role) => (
                <RoleRow key={role.id} role={role} onDelete={deleteRole} />
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="new-role-heading">
          <h2 id="new-role-heading">New role</h2>
          <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate data-testid="create-role">
            <FormError error={form.error} />
            <Field
              label="Name"
              name="name"
              required
              autocomplete="off"
              maxlength={32}
              hint="Lowercase letters, digits and hyphens, e.g. moderator."
              error={form.fields.name}
            />
            <Field
              label="Description"
              name="description"
              autocomplete="off"
              maxlength={200}
              error={form.fields.description}
            />
            <SubmitButton busy={form.busy} testid="create-role-submit">
              Create role
            </SubmitButton>
          </form>
        </section>
      </div>
      {confirm.dialog}
    </div>
  );
}
