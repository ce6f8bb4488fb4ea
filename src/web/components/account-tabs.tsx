import { Link } from '../router';

/** Sub-navigation between the account screens. */
export function AccountTabs() {
  return (
    <nav aria-label="Account" class="tabs" data-testid="account-tabs">
      <Link href="/account">Profile</Link>
      <Link href="/account/devices" data-testid="tab-devices">
        Devices
      </Link>
    </nav>
  );
}

/** Sub-navigation between the admin screens. */
export function AdminTabs() {
  return (
    <nav aria-label="Admin" class="tabs" data-testid="admin-tabs">
      <Link href="/admin/users" data-testid="tab-users">
        Users
      </Link>
      <Link href="/admin/roles" data-testid="tab-roles">
        Roles
      </Link>
      <Link href="/admin/storage" data-testid="tab-storage">
        Storage
      </Link>
      <Link href="/admin/access-logs" data-testid="tab-access-logs">
        Access logs
      </Link>
      <Link href="/admin/audit-log" data-testid="tab-audit-log">
        Audit log
      </Link>
    </nav>
  );
}
