-- Built-in roles. Every account gets `user`; `admin` is granted from ADMIN_EMAILS,
-- `npm run admin -- grant <email>`, or by another admin. Neither can be deleted.
INSERT INTO `roles` (`id`, `name`, `description`, `built_in`, `created_at`) VALUES
  ('role_admin', 'admin', 'Manages users, roles and the deployment', 1, 0),
  ('role_user', 'user', 'Every signed-up account', 1, 0)
ON CONFLICT DO NOTHING;
