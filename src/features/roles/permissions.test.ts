import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, makeAdmin, registerUser, type TestUser } from '../../../test/worker/helpers';
import { connect, createRoom } from '../../../test/worker/sockets';
import { type Permission, permissionCatalogue, permissionNames } from './permissions';
import type { PublicRole } from './roles.service';

async function registerAdmin(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

const uniqueRoleName = (prefix = 'role') => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

async function createRole(adminToken: string, permissions: string[], name = uniqueRoleName()): Promise<PublicRole> {
  const res = await call('/api/roles', { token: adminToken, body: { name, permissions } });
  expect(res.status).toBe(201);
  return (await res.json()) as PublicRole;
}

/** A fresh account holding a fresh custom role with `permissions`. */
async function userWith(adminToken: string, permissions: Permission[]) {
  const role = await createRole(adminToken, permissions);
  const user = await registerUser();
  const granted = await call(`/api/users/${user.id}/roles`, { token: adminToken, body: { role: role.id } });
  expect(granted.status).toBe(201);
  return { user, role };
}

async function listedRole(token: string, name: string): Promise<PublicRole | undefined> {
  const res = await call('/api/roles', { token });
  return ((await res.json()) as { items: PublicRole[] }).items.find((role) => role.name === name);
}

const patchRole = (token: string, ref: string, body: unknown) =>
  call(`/api/roles/${ref}`, { method: 'PATCH', token, body });

describe('GET /api/permissions', () => {
  it('should list the whole catalogue, each with a description, to any signed-in user', async () => {
    const user = await registerUser();
    const res = await call('/api/permissions', { token: user.accessToken });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: { name: string; description: string }[] };
    expect(items.map((item) => item.name)).toEqual([...permissionNames]);
    expect(items.map((item) => item.name)).toEqual(
      expect.arrayContaining(['users.manage', 'roles.manage', 'audit.read', 'rooms.moderate', 'storage.manage']),
    );
    expect(items.every((item) => item.description.length > 0)).toBe(true);
    await expectProblem(await call('/api/permissions'), 401, 'unauthorized');
  });

  it('should declare every permission once, named area.verb', () => {
    const names = permissionCatalogue.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z]+\.[a-z_]+$/);
  });
});

describe('role permissions', () => {
  it('should show the built-in admin role holding every permission and user holding none', async () => {
    const user = await registerUser();
    expect((await listedRole(user.accessToken, 'admin'))?.permissions).toEqual([...permissionNames]);
    expect((await listedRole(user.accessToken, 'user'))?.permissions).toEqual([]);
  });

  it('should create a role with chosen permissions, in catalogue order without repeats, and record them', async () => {
    const admin = await registerAdmin();
    const role = await createRole(admin.accessToken, ['rooms.moderate', 'users.read', 'rooms.moderate']);
    expect(role.permissions).toEqual(['users.read', 'rooms.moderate']);
    expect((await listedRole(admin.accessToken, role.name))?.permissions).toEqual(['users.read', 'rooms.moderate']);
    const audit = await env.DB.prepare(
      "SELECT details FROM audit_log WHERE action = 'admin.role_create' AND target_id = ?1",
    )
      .bind(role.id)
      .first<{ details: string }>();
    expect(JSON.parse(audit?.details ?? '{}')).toMatchObject({ permissions: ['users.read', 'rooms.moderate'] });
  });

  it('should refuse an unknown permission on create with 400 naming it, and create nothing', async () => {
    const admin = await registerAdmin();
    const name = uniqueRoleName();
    const res = await call('/api/roles', {
      token: admin.accessToken,
      body: { name, permissions: ['rooms.moderate', 'rooms.destroy'] },
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.detail).toContain('rooms.destroy');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.permissions.1']);
    expect(await listedRole(admin.accessToken, name)).toBeUndefined();
  });

  it('should edit a role’s permissions and description with PATCH, and record what changed', async () => {
    const admin = await registerAdmin();
    const role = await createRole(admin.accessToken, ['users.read', 'audit.read']);
    const res = await patchRole(admin.accessToken, role.id, {
      description: 'Keeps rooms friendly',
      permissions: ['rooms.moderate', 'audit.read'],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: role.id,
      description: 'Keeps rooms friendly',
      permissions: ['audit.read', 'rooms.moderate'],
    });
    expect(await listedRole(admin.accessToken, role.name)).toMatchObject({
      description: 'Keeps rooms friendly',
      permissions: ['audit.read', 'rooms.moderate'],
    });

    const byName = await patchRole(admin.accessToken, role.name, { permissions: [] });
    expect(((await byName.json()) as PublicRole).permissions).toEqual([]);

    const { results } = await env.DB.prepare(
      "SELECT actor_id, details FROM audit_log WHERE action = 'admin.role_update' AND target_id = ?1 ORDER BY id",
    )
      .bind(role.id)
      .all<{ actor_id: string; details: string }>();
    expect(results.map((row) => [row.actor_id, JSON.parse(row.details)])).toEqual([
      [
        admin.id,
        {
          name: role.name,
          added: ['rooms.moderate'],
          removed: ['users.read'],
          description: 'Keeps rooms friendly',
        },
      ],
      [admin.id, { name: role.name, added: [], removed: ['audit.read', 'rooms.moderate'] }],
    ]);
  });

  it('should refuse an unknown permission on PATCH with 400 naming it, and change nothing', async () => {
    const admin = await registerAdmin();
    const role = await createRole(admin.accessToken, ['audit.read']);
    const problem = await expectProblem(
      await patchRole(admin.accessToken, role.id, { permissions: ['audit.read', 'audit.write', 'root'] }),
      400,
      'validation_failed',
    );
    expect(problem.detail).toContain('audit.write');
    expect(problem.detail).toContain('root');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.permissions.1', 'body.permissions.2']);
    expect((await listedRole(admin.accessToken, role.name))?.permissions).toEqual(['audit.read']);
  });

  it.each([{}, { name: 'renamed' }, { permissions: 'audit.read' }, { description: '' }])(
    'should refuse the PATCH body %j with 400',
    async (body) => {
      const admin = await registerAdmin();
      const role = await createRole(admin.accessToken, []);
      await expectProblem(await patchRole(admin.accessToken, role.id, body), 400, 'validation_failed');
    },
  );

  it('should answer 404 for an unknown role and 403 without roles.manage', async () => {
    const admin = await registerAdmin();
    const { user } = await userWith(admin.accessToken, ['users.manage', 'rooms.moderate']);
    const role = await createRole(admin.accessToken, []);
    await expectProblem(await patchRole(admin.accessToken, 'wizard', { permissions: [] }), 404, 'not_found');
    await expectProblem(
      await patchRole(user.accessToken, role.id, { permissions: ['roles.manage'] }),
      403,
      'forbidden',
    );
    await expectProblem(await patchRole(user.accessToken, 'role_admin', { permissions: [] }), 403, 'forbidden');
    expect((await listedRole(admin.accessToken, role.name))?.permissions).toEqual([]);
  });

  it('should never let the built-in admin role lose a permission (409), and let its description change', async () => {
    const admin = await registerAdmin();
    const fewer = permissionNames.filter((name) => name !== 'audit.read');
    const problem = await expectProblem(
      await patchRole(admin.accessToken, 'admin', { permissions: fewer }),
      409,
      'conflict',
    );
    expect(problem.detail).toContain('audit.read');
    await expectProblem(await patchRole(admin.accessToken, 'role_admin', { permissions: [] }), 409, 'conflict');
    expect((await listedRole(admin.accessToken, 'admin'))?.permissions).toEqual([...permissionNames]);
    expect((await call('/api/admin/audit-log?limit=1', { token: admin.accessToken })).status).toBe(200);

    const same = await patchRole(admin.accessToken, 'admin', { permissions: [...permissionNames].reverse() });
    expect(same.status).toBe(200);
    const described = await patchRole(admin.accessToken, 'admin', {
      description: 'Manages users, roles and the deployment',
    });
    expect(((await described.json()) as PublicRole).permissions).toEqual([...permissionNames]);
  });

  it('should refuse to give the built-in user role, which every account holds, any permission (409)', async () => {
    const admin = await registerAdmin();
    const bystander = await registerUser();
    await expectProblem(await patchRole(admin.accessToken, 'user', { permissions: ['audit.read'] }), 409, 'conflict');
    expect((await listedRole(admin.accessToken, 'user'))?.permissions).toEqual([]);
    await expectProblem(await call('/api/admin/audit-log', { token: bystander.accessToken }), 403, 'forbidden');
  });

  it('should keep every permission for admin whatever is stored, and ignore names no longer in the catalogue', async () => {
    const admin = await registerAdmin();
    const role = await createRole(admin.accessToken, ['audit.read']);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO role_permissions (role_id, permission) VALUES ('role_admin', 'retired.thing')"),
      env.DB.prepare("INSERT INTO role_permissions (role_id, permission) VALUES (?1, 'retired.thing')").bind(role.id),
    ]);
    expect((await listedRole(admin.accessToken, 'admin'))?.permissions).toEqual([...permissionNames]);
    expect((await listedRole(admin.accessToken, role.name))?.permissions).toEqual(['audit.read']);
    for (const path of ['/api/admin/audit-log', '/api/admin/users', '/api/admin/storage', '/api/admin/access-logs']) {
      expect((await call(path, { token: admin.accessToken })).status).toBe(200);
    }
    await env.DB.prepare("DELETE FROM role_permissions WHERE role_id = 'role_admin'").run();
  });
});

describe('permission guards', () => {
  it('should let a moderator delete another member’s message and someone else’s room', async () => {
    const admin = await registerAdmin();
    const { user: moderator } = await userWith(admin.accessToken, ['rooms.moderate']);
    const owner = await registerUser();
    const author = await registerUser();
    const room = await createRoom(owner);
    await call(`/api/rooms/${room.id}/join`, { method: 'POST', token: moderator.accessToken });
    const { socket } = await connect(author, room.id);
    socket.send({ type: 'send', clientId: 'm', text: 'not nice' });
    const ack = await socket.next('ack');

    const deleted = await call(`/api/rooms/${room.id}/messages/${ack.id}`, {
      method: 'DELETE',
      token: moderator.accessToken,
    });
    expect(deleted.status).toBe(204);
    expect(await socket.next('deleted')).toMatchObject({ id: ack.id });
    socket.close();

    expect((await call(`/api/rooms/${room.id}`, { method: 'DELETE', token: moderator.accessToken })).status).toBe(204);
    await expectProblem(await call(`/api/rooms/${room.id}`, { token: owner.accessToken }), 404, 'not_found');
  });

  it('should not let a user without rooms.moderate delete someone else’s room', async () => {
    const admin = await registerAdmin();
    const { user } = await userWith(admin.accessToken, ['users.read', 'audit.read']);
    const owner = await registerUser();
    const room = await createRoom(owner);
    await expectProblem(
      await call(`/api/rooms/${room.id}`, { method: 'DELETE', token: user.accessToken }),
      403,
      'forbidden',
    );
  });

  it('should not let a moderator manage users (403) or read other accounts (404)', async () => {
    const admin = await registerAdmin();
    const { user: moderator } = await userWith(admin.accessToken, ['rooms.moderate']);
    const target = await registerUser();
    await expectProblem(await call('/api/admin/users', { token: moderator.accessToken }), 403, 'forbidden');
    await expectProblem(await call('/api/users', { token: moderator.accessToken }), 403, 'forbidden');
    await expectProblem(
      await call(`/api/admin/users/${target.id}`, {
        method: 'PATCH',
        token: moderator.accessToken,
        body: { status: 'deactivated' },
      }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/admin/users/${target.id}`, { method: 'DELETE', token: moderator.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(await call(`/api/users/${target.id}`, { token: moderator.accessToken }), 404, 'not_found');
    await expectProblem(
      await call(`/api/users/${target.id}/roles`, { token: moderator.accessToken, body: { role: 'admin' } }),
      403,
      'forbidden',
    );
    expect((await call('/api/users/me', { token: target.accessToken })).status).toBe(200);
  });

  it('should refuse the next request with the same access token once a permission is removed', async () => {
    const admin = await registerAdmin();
    const { user, role } = await userWith(admin.accessToken, ['audit.read']);
    const read = () => call('/api/admin/audit-log?limit=1', { token: user.accessToken });
    expect((await read()).status).toBe(200);

    expect((await patchRole(admin.accessToken, role.id, { permissions: ['metrics.read'] })).status).toBe(200);
    await expectProblem(await read(), 403, 'forbidden');

    expect((await patchRole(admin.accessToken, role.id, { permissions: ['audit.read'] })).status).toBe(200);
    expect((await read()).status).toBe(200);

    expect((await call(`/api/roles/${role.id}`, { method: 'DELETE', token: admin.accessToken })).status).toBe(204);
    await expectProblem(await read(), 403, 'forbidden');
  });

  it('should guard each admin area by its own permission', async () => {
    const admin = await registerAdmin();
    const { user } = await userWith(admin.accessToken, ['storage.manage']);
    expect((await call('/api/admin/storage', { token: user.accessToken })).status).toBe(200);
    await expectProblem(await call('/api/admin/access-logs', { token: user.accessToken }), 403, 'forbidden');
    await expectProblem(await call('/api/admin/audit-log', { token: user.accessToken }), 403, 'forbidden');
    const problem = await expectProblem(
      await call('/api/roles', { token: user.accessToken, body: { name: 'x-y' } }),
      403,
      'forbidden',
    );
    expect(problem.detail).toContain('roles.manage');

    const { user: reader } = await userWith(admin.accessToken, ['files.read_any']);
    expect((await call('/api/admin/access-logs', { token: reader.accessToken })).status).toBe(200);
    await expectProblem(await call('/api/admin/storage', { token: reader.accessToken }), 403, 'forbidden');
  });

  it('should let users.manage change a status but change roles only with roles.manage as well', async () => {
    const admin = await registerAdmin();
    const { user: manager } = await userWith(admin.accessToken, ['users.read', 'users.manage']);
    const target = await registerUser();
    const path = `/api/admin/users/${target.id}`;
    await expectProblem(
      await call(path, { method: 'PATCH', token: manager.accessToken, body: { roles: ['admin', 'user'] } }),
      403,
      'forbidden',
    );
    const deactivated = await call(path, {
      method: 'PATCH',
      token: manager.accessToken,
      body: { status: 'deactivated' },
    });
    expect(deactivated.status).toBe(200);
    expect(await deactivated.json()).toMatchObject({ status: 'deactivated', roles: ['user'] });
    expect((await call('/api/admin/users', { token: manager.accessToken })).status).toBe(200);
    expect((await call(`/api/users/${target.id}`, { token: manager.accessToken })).status).toBe(200);
  });
});
