import { useEffect } from 'hono/jsx/dom';
import { permissionCatalogue, permissionNames } from '../../features/roles/permissions';
import { type ApiError, api, asApiError } from '../api';
import { AdminTabs } from '../components/account-tabs';
import { useConfirm } from '../components/confirm';
import { errorMessage, Field, FormError, SubmitButton, textOf, useAction, useForm } from '../components/form';
import { useLiveState } from '../hooks';
import type { Permission, Role } from '../types';

const sameSet = (a: readonly Permission[], b: readonly Permission[]) =>
  a.length === b.length && a.every((name) => b.includes(name));

/**
 * One checkbox per catalogue permission. The built-in admin role shows them
 * all ticked and fixed (it holds every permission, always).
 */
function PermissionChoices(props: {
  legend: string;
  chosen: readonly Permission[];
  locked?: boolean;
  disabled?: boolean;
  onToggle: (name: Permission, on: boolean) => void;
}) {
  return (
    <fieldset class="permission-list" data-testid="permissions">
      <legend class="visually-hidden">{props.legend}</legend>
      {permissionCatalogue.map((permission) => (
        <label class="permission" data-permission={permission.name}>
          <input
            type="checkbox"
            name="permissions"
            value={permission.name}
            checked={props.locked || props.chosen.includes(permission.name)}
            disabled={props.locked || props.disabled}
            onChange={(event: Event) =>
              props.onToggle(permission.name, (event.currentTarget as HTMLInputElement).checked)
            }
            data-testid={`permission-${permission.name}`}
          />
          <span class="permission-text">
            <span class="permission-name">{permission.name}</span>
            <span class="muted">{permission.description}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function RoleRow(props: { role: Role; onDelete: (role: Role) => Promise<void>; onSaved: (role: Role) => void }) {
  const { role, onDelete, onSaved } = props;
  const action = useAction();
  const [chosen, setChosen] = useLiveState<Permission[]>(role.permissions);
  const [saved, setSaved] = useLiveState(false);
  const isAdminRole = role.builtIn && role.name === 'admin';
  const isUserRole = role.builtIn && role.name === 'user';
  const dirty = !sameSet(chosen, role.permissions);

  const toggle = (name: Permission, on: boolean) => {
    setSaved(false);
    setChosen((current) => permissionNames.filter((each) => (each === name ? on : current.includes(each))));
  };
  const save = () =>
    action.run(async () => {
      const updated = await api.updateRole(role.id, { permissions: chosen });
      setChosen(updated.permissions);
      onSaved(updated);
      setSaved(true);
    });

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
      <div class="role-permissions">
        {isUserRole ? (
          <p class="muted" data-testid="no-permissions">
            Every account holds this role, so it grants no permissions. Make a custom role instead.
          </p>
        ) : (
          <>
            {isAdminRole && <p class="muted">Holds every permission, always.</p>}
            <PermissionChoices
              legend={`Permissions of ${role.name}`}
              chosen={chosen}
              locked={isAdminRole}
              disabled={action.busy}
              onToggle={toggle}
            />
            {!isAdminRole && (
              <div class="role-save">
                <button
                  type="button"
                  class="button"
                  disabled={!dirty || action.busy}
                  onClick={save}
                  data-testid="save-permissions"
                >
                  {action.busy ? 'Saving…' : 'Save permissions'}
                </button>
                {saved && !dirty && (
                  <span class="muted" role="status" data-testid="permissions-saved">
                    Saved
                  </span>
                )}
              </div>
            )}
          </>
        )}
      </div>
    </li>
  );
}

export function AdminRolesPage() {
  const confirm = useConfirm();
  const [roles, setRoles] = useLiveState<Role[] | null>(null);
  const [loadError, setLoadError] = useLiveState<ApiError | null>(null);
  const [newPermissions, setNewPermissions] = useLiveState<Permission[]>([]);

  useEffect(() => {
    api.roles().then(
      (page) => setRoles(page.items),
      (error: unknown) => setLoadError(asApiError(error)),
    );
  }, []);

  const form = useForm(
    async (data, element) => {
      const description = textOf(data, 'description');
      const permissions = data.getAll('permissions').map(String) as Permission[];
      const role = await api.createRole({
        name: textOf(data, 'name'),
        description: description || undefined,
        permissions,
      });
      setRoles((current) => [...(current ?? []), role].sort((a, b) => a.name.localeCompare(b.name)));
      element.reset();
      setNewPermissions([]);
    },
    { codeFields: { conflict: 'name' } },
  );

  const replaceRole = (role: Role) =>
    setRoles((current) => (current ?? []).map((item) => (item.id === role.id ? role : item)));

  const deleteRole = async (role: Role) => {
    if (!(await confirm.ask(`Delete the ${role.name} role? Everyone who holds it loses it.`, 'Delete role'))) return;
    await api.deleteRole(role.id);
    setRoles((current) => (current ?? []).filter((item) => item.id !== role.id));
  };

  const permissionError = Object.entries(form.fields).find(([field]) => field.startsWith('permissions'))?.[1];
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
                <RoleRow key={role.id} role={role} onDelete={deleteRole} onSaved={replaceRole} />
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
            <div class="new-role-permissions">
              <p class="new-role-permissions-title">Permissions</p>
              <PermissionChoices
                legend="Permissions of the new role"
                chosen={newPermissions}
                onToggle={(name, on) =>
                  setNewPermissions((current) =>
                    permissionNames.filter((each) => (each === name ? on : current.includes(each))),
                  )
                }
              />
              {permissionError && <p class="field-error">{permissionError}</p>}
            </div>
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
