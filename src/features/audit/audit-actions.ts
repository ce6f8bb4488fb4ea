// No imports: the web app's audit-log screen offers the same names as its action filter.

/** Every security event Hearth records. Admins filter the log by these names. */
export const auditActions = [
  'auth.register',
  'auth.login',
  'auth.logout',
  'auth.logout_all',
  'auth.refresh_reuse',
  'auth.session_revoke',
  'auth.password_change',
  'auth.password_reset_request',
  'auth.password_reset',
  'auth.email_verify',
  'auth.otp_login',
  'auth.oauth_login',
  'auth.oauth_link',
  'auth.password_set',
  'auth.phone_add',
  'auth.email_add',
  'user.update',
  'user.delete',
  'admin.user_update',
  'admin.user_delete',
  'admin.role_grant',
  'admin.role_revoke',
  'admin.role_create',
  'admin.role_update',
  'admin.role_delete',
  'admin.remote_pass_grant',
  'room.member_add',
  'room.member_invite',
  'room.member_remove',
  'room.owner_transfer',
] as const;

export type AuditAction = (typeof auditActions)[number];
