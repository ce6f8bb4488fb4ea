import { AssistantPage } from './assistant/assistant-page';
import { AccountPage } from './pages/account';
import { AccountDeletedPage } from './pages/account-deleted';
import { AdminAccessLogsPage } from './pages/admin-access-logs';
import { AdminAuditLogPage } from './pages/admin-audit-log';
import { AdminBackupsPage } from './pages/admin-backups';
import { AdminMetricsPage } from './pages/admin-metrics';
import { AdminReportsPage } from './pages/admin-reports';
import { AdminRolesPage } from './pages/admin-roles';
import { AdminStoragePage } from './pages/admin-storage';
import { AdminSystemPage } from './pages/admin-system';
import { AdminUsersPage } from './pages/admin-users';
import { DevOutboxPage } from './pages/dev-outbox';
import { DevicesPage } from './pages/devices';
import { FilesPage } from './pages/files';
import { FocusPage } from './pages/focus';
import { ForgotPasswordPage } from './pages/forgot-password';
import { FriendInvitePage } from './pages/friend-invite';
import { FriendsPage } from './pages/friends';
import { HomePage } from './pages/home';
import { ResetPasswordPage } from './pages/reset-password';
import { RoomPage } from './pages/room';
import { RoomInvitePage } from './pages/room-invite';
import { RoomsPage } from './pages/rooms';
import { SessionCodePage, SessionPage } from './pages/session';
import { SessionNewPage } from './pages/session-new';
import { SessionsPage } from './pages/sessions';
import { SignInPage } from './pages/sign-in';
import { SignUpPage } from './pages/sign-up';
import { VerifyEmailPage } from './pages/verify-email';
import type { Route } from './router';
import { can, type Session } from './session';

/**
 * Every screen of the web app. Order matters: the first match wins.
 * New screens (rooms, files) add a line here and a file in pages/.
 * The reset and verification paths are the links the API emails.
 */
export const routes: readonly Route[] = [
  { path: '/', title: 'Home', view: HomePage, nav: 'Home' },
  { path: '/sign-in', title: 'Sign in', view: SignInPage, access: 'guest' },
  { path: '/sign-up', title: 'Create an account', view: SignUpPage, access: 'guest' },
  { path: '/forgot-password', title: 'Reset your password', view: ForgotPasswordPage },
  { path: '/reset-password', title: 'Choose a new password', view: ResetPasswordPage },
  { path: '/verify-email', title: 'Verify your email', view: VerifyEmailPage },
  /** Development only: the API answers 404 elsewhere, and the page says so. */
  { path: '/dev/outbox', title: 'Development outbox', view: DevOutboxPage },
  { path: '/account', title: 'Account', view: AccountPage, access: 'user' },
  { path: '/account-deleted', title: 'Account deleted', view: AccountDeletedPage },
  { path: '/account/devices', title: 'Devices', view: DevicesPage, access: 'user' },
  { path: '/admin/users', title: 'Users', view: AdminUsersPage, access: 'admin', permission: 'users.read' },
  { path: '/admin/roles', title: 'Roles', view: AdminRolesPage, access: 'admin', permission: 'roles.manage' },
  { path: '/rooms', title: 'Rooms', view: RoomsPage, access: 'user' },
  { path: '/rooms/invite', title: 'Room invite', view: RoomInvitePage, access: 'user' },
  { path: '/rooms/:id', title: 'Room', view: RoomPage, access: 'user' },
  { path: '/sessions', title: 'Coworking sessions', view: SessionsPage, access: 'user' },
  { path: '/sessions/new', title: 'New session', view: SessionNewPage, access: 'user' },
  { path: '/sessions/:id', title: 'Session', view: SessionPage, access: 'user' },
  /** A session's share link (`/c/<code>`), as invites and the host's page give it. */
  { path: '/c/:code', title: 'Session', view: SessionCodePage, access: 'user' },
  { path: '/focus', title: 'Focus', view: FocusPage, access: 'user' },
  { path: '/friends', title: 'Friends', view: FriendsPage, access: 'user' },
  { path: '/friends/invite', title: 'Friend invite', view: FriendInvitePage, access: 'user' },
  { path: '/files', title: 'Files', view: FilesPage, access: 'user' },
  { path: '/assistant', title: 'Assistant', view: AssistantPage, access: 'user' },
  { path: '/admin/storage', title: 'Storage', view: AdminStoragePage, access: 'admin', permission: 'storage.manage' },
  {
    path: '/admin/access-logs',
    title: 'Access logs',
    view: AdminAccessLogsPage,
    access: 'admin',
    permission: 'files.read_any',
  },
  { path: '/admin/metrics', title: 'Metrics', view: AdminMetricsPage, access: 'admin', permission: 'metrics.read' },
  { path: '/admin/audit-log', title: 'Audit log', view: AdminAuditLogPage, access: 'admin', permission: 'audit.read' },
  { path: '/admin/backups', title: 'Backups', view: AdminBackupsPage, access: 'admin', permission: 'backups.manage' },
  { path: '/admin/system', title: 'System', view: AdminSystemPage, access: 'admin', permission: 'backups.manage' },
  { path: '/admin/reports', title: 'Reports', view: AdminReportsPage, access: 'admin', permission: 'reports.manage' },
];

/** The first admin screen the user may see (the Admin link goes there), or null when none. */
export function adminHome(session: Session): string | null {
  return (
    routes.find((route) => route.access === 'admin' && route.permission && can(session, route.permission))?.path ?? null
  );
}
