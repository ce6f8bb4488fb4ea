/**
 * Every permission a role can hold. The catalogue is fixed in code: a route
 * guard names one of these (`requirePermission('users.manage')`), roles store
 * a chosen set of them in D1, and the built-in `admin` role holds all of them
 * always, so a permission added here reaches admins without a migration.
 *
 * No imports: the web app reads the same list for the roles screen.
 */
export const permissionCatalogue = [
  { name: 'users.read', description: 'See every account in the user list' },
  { name: 'users.manage', description: 'Change, deactivate and delete other accounts' },
  { name: 'roles.manage', description: 'Create, edit and delete roles, and grant or revoke them' },
  { name: 'files.read_any', description: 'See anyone’s files and every download record' },
  { name: 'storage.manage', description: 'See storage use and set per-user quotas' },
  { name: 'audit.read', description: 'Read the security audit log' },
  { name: 'rooms.moderate', description: 'Edit and delete any room and delete anyone’s messages' },
  { name: 'reports.manage', description: 'Review and resolve reports about users and content' },
  { name: 'backups.manage', description: 'Start, list and restore backups' },
  { name: 'metrics.read', description: 'See adoption and usage metrics' },
  { name: 'ai.manage', description: 'Configure the AI features and their limits' },
] as const;

export type Permission = (typeof permissionCatalogue)[number]['name'];

export const permissionNames: readonly Permission[] = permissionCatalogue.map((entry) => entry.name);

export function isPermission(name: string): name is Permission {
  return (permissionNames as readonly string[]).includes(name);
}
