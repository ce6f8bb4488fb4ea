import { Link } from '../router';
import { routes } from '../routes';
import { can, useSession } from '../session';

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

/** Sub-navigation between the admin screens: the ones the user's permissions open. */
export function AdminTabs() {
  const session = useSession();
  const tabs = routes.filter((route) => route.access === 'admin' && route.permission && can(session, route.permission));
  return (
    <nav aria-label="Admin" class="tabs" data-testid="admin-tabs">
      {tabs.map((route) => (
        <Link href={route.path} data-testid={`tab-${route.path.slice('/admin/'.length)}`}>
          {route.title}
        </Link>
      ))}
    </nav>
  );
}
