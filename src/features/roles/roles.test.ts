import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, makeAdmin, registerUser, type TestUser } from '../../../test/worker/helpers';
import type { PublicRole } from './roles.service';

async function registerAdmin(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

const uniqueRoleName = (prefix = 'role') => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

async function createRole(token: string, name = uniqueRoleName()): Promise<PublicRole> {
  const res = await call('/api/roles', { token, body: { name, description: 'Keeps the peace' } });
  expect(res.status).toBe(201);
  return (await res.json()) as PublicRole;
}

async function rolesOf(token: string): Promise<string[]> {
  const res = await call('/api/users/me', { token });
  return ((await res.json()) as { roles: string[] }).roles;
}

describe('GET /api/roles', () => {
  it('should list every role, the built-in ones marked, to any signed-in user', async () => {
    const user = await registerUser();
    const res = await call('/api/roles', { token: user.accessToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: PublicRole[]; nextCursor: null };
    expect(body.nextCursor).toBeNull();
    expect(body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'role_admin', name: 'admin', builtIn: true }),
        expect.objectContaining({ id: 'role_user', name: 'user', builtIn: true }),
      ]),
    );
  });

  it('should refuse anonymous callers with 401', async () => {
    await expectProblem(await call('/api/roles'), 401, 'unauthorized');
  });
});

describe('POST /api/roles', () => {
  it('should create a role (201) and record it', async () => {
    const admin = await registerAdmin();
    const name = uniqueRoleName('moderator');
    const role = await createRole(admin.accessToken, name);
    expect(role).toMatchObject({ name, description: 'Keeps the peace', builtIn: false });
    const listed = (await (await call('/api/roles', { token: admin.accessToken })).json()) as { items: PublicRole[] };
    expect(listed.items.map((item) => item.name)).toContain(name);
    const audit = await env.DB.prepare(
      "SELECT actor_id FROM audit_log WHERE action = 'admin.role_create' AND target_id = ?1",
    )
      .bind(role.id)
      .first<{ actor_id: string }>();
    expect(audit?.actor_id).toBe(admin.id);
  });

  it('should refuse a name already taken with 409', async () => {
    const admin = await registerAdmin();
    const role = await createRole(admin.accessToken);
    await expectProblem(
      await call('/api/roles', { token: admin.accessToken, body: { name: role.name } }),
      409,
      'conflict',
    );
    await expectProblem(
      await call('/api/roles', { token: admin.accessToken, body: { name: 'admin' } }),
      409,
      'conflict',
    );
  });

  it.each([
    { name: 'Moderator' },
    { name: 'has space' },
    { name: 'x' },
    { name: '9lives' },
    { name: 'a'.repeat(33) },
    { name: 'ok-name', builtIn: true },
  ])('should refuse %j with 400', async (body) => {
    const admin = await registerAdmin();
    await expectProblem(await call('/api/roles', { token: admin.accessToken, body }), 400, 'validation_failed');
  });

  it('should refuse non-admins with 403', async () => {
    const user = await registerUser();
    await expectProblem(
      await call('/api/roles', { token: user.accessToken, body: { name: uniqueRoleName() } }),
      403,
      'forbidden',
    );
  });
});

describe('DELETE /api/roles/:id', () => {
  it('should delete a role and take it from everyone holding it', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const role = await createRole(admin.accessToken);
    await call(`/api/users/${user.id}/roles`, { token: admin.accessToken, body: { role: role.name } });
    expect(await rolesOf(user.accessToken)).toContain(role.name);

    const res = await call(`/api/roles/${role.id}`, { method: 'DELETE', token: admin.accessToken });
    expect(res.status).toBe(204);
    expect(await rolesOf(user.accessToken)).toEqual(['user']);
    await expectProblem(
      await call(`/api/roles/${role.id}`, { method: 'DELETE', token: admin.accessToken }),
      404,
      'not_found',
    );
    const audit = await env.DB.prepare("SELECT 1 FROM audit_log WHERE action = 'admin.role_delete' AND target_id = ?1")
      .bind(role.id)
      .first();
    expect(audit).not.toBeNull();
  });

  it.each(['role_admin', 'admin', 'role_user', 'user'])(
    'should refuse to delete the built-in role %s with 409',
    async (ref) => {
      const admin = await registerAdmin();
      await expectProblem(
        await call(`/api/roles/${ref}`, { method: 'DELETE', token: admin.accessToken }),
        409,
        'conflict',
      );
      expect(await rolesOf(admin.accessToken)).toEqual(['admin', 'user']);
    },
  );

  it('should refuse non-admins with 403', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const role = await createRole(admin.accessToken);
    await expectProblem(
      await call(`/api/roles/${role.id}`, { method: 'DELETE', token: user.accessToken }),
      403,
      'forbidden',
    );
  });
});

describe('POST /api/users/:id/roles and DELETE /api/users/:id/roles/:roleId', () => {
  it('should grant and revoke admin, effective on the next request with the same access token', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const adminRoute = () => call('/api/admin/audit-log?limit=1', { token: user.accessToken });
    await expectProblem(await adminRoute(), 403, 'forbidden');

    const granted = await call(`/api/users/${user.id}/roles`, { token: admin.accessToken, body: { role: 'admin' } });
    expect(granted.status).toBe(201);
    expect(await granted.json()).toEqual({ userId: user.id, roles: ['admin', 'user'] });
    expect((await adminRoute()).status).toBe(200);

    const revoked = await call(`/api/users/${user.id}/roles/role_admin`, {
      method: 'DELETE',
      token: admin.accessToken,
    });
    expect(revoked.status).toBe(204);
    await expectProblem(await adminRoute(), 403, 'forbidden');

    const { results } = await env.DB.prepare(
      "SELECT action, actor_id FROM audit_log WHERE target_id = ?1 AND action LIKE 'admin.role_%' ORDER BY id",
    )
      .bind(user.id)
      .all<{ action: string; actor_id: string }>();
    expect(results).toEqual([
      { action: 'admin.role_grant', actor_id: admin.id },
      { action: 'admin.role_revoke', actor_id: admin.id },
    ]);
  });

  it('should grant a custom role by id, and granting it again changes nothing', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const role = await createRole(admin.accessToken);
    for (let i = 0; i < 2; i++) {
      const res = await call(`/api/users/${user.id}/roles`, { token: admin.accessToken, body: { role: role.id } });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { roles: string[] }).roles).toEqual([role.name, 'user'].sort());
    }
  });

  it('should refuse unknown roles (400), unknown users (404) and strict-body violations (400)', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const unknownRole = await call(`/api/users/${user.id}/roles`, {
      token: admin.accessToken,
      body: { role: 'wizard' },
    });
    const problem = await expectProblem(unknownRole, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.role']);
    await expectProblem(
      await call('/api/users/nobody/roles', { token: admin.accessToken, body: { role: 'admin' } }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/users/${user.id}/roles`, { token: admin.accessToken, body: { role: 'admin', expires: 1 } }),
      400,
      'validation_failed',
    );
    expect(await rolesOf(user.accessToken)).toEqual(['user']);
  });

  it('should answer 404 when revoking a role the user does not hold, or an unknown role', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const role = await createRole(admin.accessToken);
    await expectProblem(
      await call(`/api/users/${user.id}/roles/${role.id}`, { method: 'DELETE', token: admin.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/users/${user.id}/roles/wizard`, { method: 'DELETE', token: admin.accessToken }),
      404,
      'not_found',
    );
  });

  it('should refuse to revoke the built-in user role with 409', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    await expectProblem(
      await call(`/api/users/${user.id}/roles/role_user`, { method: 'DELETE', token: admin.accessToken }),
      409,
      'conflict',
    );
    expect(await rolesOf(user.accessToken)).toEqual(['user']);
  });

  it('should refuse non-admins with 403, even granting to themselves, and anonymous callers with 401', async () => {
    const user = await registerUser();
    await expectProblem(
      await call(`/api/users/${user.id}/roles`, { token: user.accessToken, body: { role: 'admin' } }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/users/${user.id}/roles/role_user`, { method: 'DELETE', token: user.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(await call(`/api/users/${user.id}/roles`, { body: { role: 'admin' } }), 401, 'unauthorized');
    expect(await rolesOf(user.accessToken)).toEqual(['user']);
  });
});
