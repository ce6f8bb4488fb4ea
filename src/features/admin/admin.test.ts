import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectLoginRefused,
  expectProblem,
  expectSignedOut,
  makeAdmin,
  registerUser,
  type TestUser,
} from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import type { PublicUser } from '../users/users.service';
import { createUser } from '../users/users.service';

interface UserPage {
  items: PublicUser[];
  nextCursor: string | null;
}

function randomDigits(count: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(count)), (byte) => byte % 10).join('');
}

async function registerAdmin(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

/** Leaves `userId` as the only admin in this file's database, for the last-admin rules. */
async function makeOnlyAdmin(userId: string): Promise<void> {
  await makeAdmin(userId);
  await env.DB.prepare("DELETE FROM user_roles WHERE role_id = 'role_admin' AND user_id <> ?1").bind(userId).run();
}

async function list(token: string, query: string): Promise<UserPage> {
  const res = await call(`/api/admin/users?${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as UserPage;
}

function patchUser(token: string, id: string, body: unknown) {
  return call(`/api/admin/users/${id}`, { method: 'PATCH', token, body });
}

async function auditActionsFor(targetId: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT action FROM audit_log WHERE target_id = ?1 ORDER BY id')
    .bind(targetId)
    .all<{ action: string }>();
  return results.map((row) => row.action);
}

describe('GET /api/admin/users and GET /api/users', () => {
  it.each(['/api/admin/users', '/api/users'])(
    'should refuse %s to anonymous callers (401) and non-admins (403)',
    async (path) => {
      const user = await registerUser();
      await expectProblem(await call(path), 401, 'unauthorized');
      await expectProblem(await call(path, { token: user.accessToken }), 403, 'forbidden');
    },
  );

  it('should serve the same list under both paths', async () => {
    const admin = await registerAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    const user = await registerUser({ name: `Both ${tag}` });
    const fetchList = async (path: string) => {
      const res = await call(`${path}?q=${tag}`, { token: admin.accessToken });
      expect(res.status).toBe(200);
      return (await res.json()) as UserPage;
    };
    const a = await fetchList('/api/admin/users');
    const b = await fetchList('/api/users');
    expect(a).toEqual(b);
    expect(a.items.map((item) => item.id)).toEqual([user.id]);
    expect(a.items[0]).toMatchObject({ email: user.email, roles: ['user'], status: 'active' });
  });

  it('should walk every page with the cursor, newest first, without duplicates or gaps', async () => {
    const admin = await registerAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await registerUser({ name: `Pager ${tag} ${i}` })).id);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: UserPage = await list(
        admin.accessToken,
        `q=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);

    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...created].reverse());
  });

  it('should answer the default page of 50 with no cursor when everything fits', async () => {
    const admin = await registerAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    await registerUser({ name: `Default ${tag}` });
    const page = await list(admin.accessToken, `q=${tag}`);
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toBeNull();
  });

  it.each(['limit=0', 'limit=101', 'limit=ten', 'cursor=NOT%20A%20CURSOR', 'status=banned'])(
    'should refuse the query %s with 400',
    async (query) => {
      const admin = await registerAdmin();
      await expectProblem(
        await call(`/api/admin/users?${query}`, { token: admin.accessToken }),
        400,
        'validation_failed',
      );
    },
  );

  it('should search email, name and phone without regard to case, taking % and _ literally', async () => {
    const admin = await registerAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    const byEmail = await registerUser({ email: `finder-${tag}@example.com` });
    const byName = await registerUser({ name: `Zelda ${tag}` });
    const digits = randomDigits(7);
    const byPhone = await createUser(createDb(env.DB), { phone: `+4420${digits}` });

    expect((await list(admin.accessToken, `q=FINDER-${tag.toUpperCase()}`)).items.map((u) => u.id)).toEqual([
      byEmail.id,
    ]);
    expect((await list(admin.accessToken, `q=zelda%20${tag}`)).items.map((u) => u.id)).toEqual([byName.id]);
    expect((await list(admin.accessToken, `q=${digits}`)).items.map((u) => u.id)).toEqual([byPhone.id]);
    expect((await list(admin.accessToken, 'q=%25')).items).toEqual([]);
    expect((await list(admin.accessToken, `q=finder_${tag}`)).items).toEqual([]);
  });

  it('should filter by role and by status', async () => {
    const admin = await registerAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    const plain = await registerUser({ name: `Filter ${tag} plain` });
    const promoted = await registerUser({ name: `Filter ${tag} admin` });
    const gone = await registerUser({ name: `Filter ${tag} gone` });
    await makeAdmin(promoted.id);
    expect((await patchUser(admin.accessToken, gone.id, { status: 'deactivated' })).status).toBe(200);

    const ids = async (query: string) => (await list(admin.accessToken, `q=${tag}&${query}`)).items.map((u) => u.id);
    expect(await ids('role=admin')).toEqual([promoted.id]);
    expect(await ids('role=role_admin')).toEqual([promoted.id]);
    expect(await ids('status=deactivated')).toEqual([gone.id]);
    expect(await ids('status=active')).toEqual([promoted.id, plain.id]);
    expect(await ids('role=user&status=active')).toEqual([promoted.id, plain.id]);
  });
});

describe('PATCH /api/admin/users/:id', () => {
  it('should deactivate an account: its tokens fail on the next request, refresh and login are refused', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    expect((await call('/api/users/me', { token: user.accessToken })).status).toBe(200);

    const res = await patchUser(admin.accessToken, user.id, { status: 'deactivated' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.id, status: 'deactivated' });

    await expectSignedOut(user);
    await expectLoginRefused(user.email, user.password, 403, 'forbidden');
    const live = await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL')
      .bind(user.id)
      .first<{ n: number }>();
    expect(live?.n).toBe(0);
    expect(await auditActionsFor(user.id)).toContain('admin.user_update');

    // Reactivated, the account signs in again.
    expect((await patchUser(admin.accessToken, user.id, { status: 'active' })).status).toBe(200);
    const login = await call('/api/auth/login', { body: { email: user.email, password: user.password } });
    expect(login.status).toBe(200);
  });

  it('should make role changes hold from the next request with the same access token', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const adminList = () => call('/api/admin/users?limit=1', { token: user.accessToken });
    await expectProblem(await adminList(), 403, 'forbidden');

    const promoted = await patchUser(admin.accessToken, user.id, { roles: ['user', 'admin'] });
    expect(promoted.status).toBe(200);
    expect(((await promoted.json()) as PublicUser).roles).toEqual(['admin', 'user']);
    expect((await adminList()).status).toBe(200);

    const demoted = await patchUser(admin.accessToken, user.id, { roles: ['user'] });
    expect(((await demoted.json()) as PublicUser).roles).toEqual(['user']);
    await expectProblem(await adminList(), 403, 'forbidden');
    expect(await auditActionsFor(user.id)).toEqual(expect.arrayContaining(['admin.role_grant', 'admin.role_revoke']));
  });

  it('should accept roles by id and ignore repeats', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const res = await patchUser(admin.accessToken, user.id, { roles: ['role_user', 'user', 'role_admin', 'admin'] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as PublicUser).roles).toEqual(['admin', 'user']);
  });

  it('should refuse unknown roles with 400 naming each, and change nothing', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const res = await patchUser(admin.accessToken, user.id, {
      roles: ['user', 'wizard', 'admin', 'overlord'],
      status: 'deactivated',
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.roles.1', 'body.roles.3']);
    expect((await call('/api/users/me', { token: user.accessToken })).status).toBe(200);
  });

  it('should refuse a role set without the built-in user role with 409', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    await expectProblem(await patchUser(admin.accessToken, user.id, { roles: ['admin'] }), 409, 'conflict');
    await expectProblem(await patchUser(admin.accessToken, user.id, { roles: [] }), 409, 'conflict');
  });

  it('should refuse unknown fields, bad statuses and unknown users', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    await expectProblem(
      await patchUser(admin.accessToken, user.id, { email: 'x@example.com' }),
      400,
      'validation_failed',
    );
    await expectProblem(await patchUser(admin.accessToken, user.id, { status: 'banned' }), 400, 'validation_failed');
    await expectProblem(await patchUser(admin.accessToken, 'nobody', { status: 'active' }), 404, 'not_found');
  });

  it('should refuse non-admins with 403 and anonymous callers with 401', async () => {
    const user = await registerUser();
    const victim = await registerUser();
    await expectProblem(await patchUser(user.accessToken, victim.id, { status: 'deactivated' }), 403, 'forbidden');
    await expectProblem(await patchUser(user.accessToken, user.id, { roles: ['user', 'admin'] }), 403, 'forbidden');
    await expectProblem(
      await call(`/api/admin/users/${victim.id}`, { method: 'PATCH', body: { status: 'deactivated' } }),
      401,
      'unauthorized',
    );
    expect((await call('/api/users/me', { token: victim.accessToken })).status).toBe(200);
  });

  it('should not let the last active admin deactivate or demote themselves (409), changing nothing', async () => {
    const admin = await registerUser();
    await makeOnlyAdmin(admin.id);
    const me = () => call('/api/users/me', { token: admin.accessToken });

    await expectProblem(await patchUser(admin.accessToken, admin.id, { status: 'deactivated' }), 409, 'conflict');
    await expectProblem(await patchUser(admin.accessToken, admin.id, { roles: ['user'] }), 409, 'conflict');
    const custom = await call('/api/roles', { token: admin.accessToken, body: { name: `last-${Date.now()}` } });
    const customName = ((await custom.json()) as { name: string }).name;
    // A demotion refused is refused whole: the role granted alongside it is not granted either.
    await expectProblem(
      await patchUser(admin.accessToken, admin.id, { roles: ['user', customName], status: 'deactivated' }),
      409,
      'conflict',
    );
    await expectProblem(
      await call(`/api/users/${admin.id}/roles/admin`, { method: 'DELETE', token: admin.accessToken }),
      409,
      'conflict',
    );
    const res = await me();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'active', roles: ['admin', 'user'] });

    // With a second active admin, stepping down is allowed.
    const successor = await registerUser();
    expect((await patchUser(admin.accessToken, successor.id, { roles: ['user', 'admin'] })).status).toBe(200);
    const stepDown = await patchUser(admin.accessToken, admin.id, { roles: ['user'] });
    expect(stepDown.status).toBe(200);
    await expectProblem(await call('/api/admin/users', { token: admin.accessToken }), 403, 'forbidden');
  });

  it('should not count a deactivated admin as another active admin', async () => {
    const admin = await registerUser();
    await makeOnlyAdmin(admin.id);
    const dormant = await registerUser();
    await makeAdmin(dormant.id);
    expect((await patchUser(admin.accessToken, dormant.id, { status: 'deactivated' })).status).toBe(200);
    await expectProblem(await patchUser(admin.accessToken, admin.id, { status: 'deactivated' }), 409, 'conflict');
  });
});

describe('DELETE /api/admin/users/:id', () => {
  it('should delete the account after ending its sessions', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    const res = await call(`/api/admin/users/${user.id}`, { method: 'DELETE', token: admin.accessToken });
    expect(res.status).toBe(204);
    await expectProblem(await call('/api/users/me', { token: user.accessToken }), 401, 'unauthorized');
    expect(await env.DB.prepare('SELECT 1 FROM users WHERE id = ?1').bind(user.id).first()).toBeNull();
    const audit = await env.DB.prepare(
      "SELECT actor_id FROM audit_log WHERE action = 'admin.user_delete' AND target_id = ?1",
    )
      .bind(user.id)
      .first<{ actor_id: string }>();
    expect(audit?.actor_id).toBe(admin.id);
    await expectProblem(
      await call(`/api/admin/users/${user.id}`, { method: 'DELETE', token: admin.accessToken }),
      404,
      'not_found',
    );
  });

  it('should refuse non-admins with 403 and anonymous callers with 401', async () => {
    const user = await registerUser();
    const victim = await registerUser();
    await expectProblem(
      await call(`/api/admin/users/${victim.id}`, { method: 'DELETE', token: user.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(await call(`/api/admin/users/${victim.id}`, { method: 'DELETE' }), 401, 'unauthorized');
    expect((await call('/api/users/me', { token: victim.accessToken })).status).toBe(200);
  });

  it('should ask an admin deleting their own account for the password, and refuse the last admin', async () => {
    const admin = await registerUser();
    await makeOnlyAdmin(admin.id);
    const path = `/api/admin/users/${admin.id}`;
    await expectProblem(await call(path, { method: 'DELETE', token: admin.accessToken }), 400, 'validation_failed');
    await expectProblem(
      await call(path, { method: 'DELETE', token: admin.accessToken, body: { password: admin.password } }),
      409,
      'conflict',
    );
    expect((await call('/api/users/me', { token: admin.accessToken })).status).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('should describe every users, roles and admin route', async () => {
    const res = await call('/api/openapi.json');
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods('/api/users/me')).toEqual(['delete', 'get', 'patch']);
    expect(methods('/api/users/me/export')).toEqual(['get']);
    expect(methods('/api/users')).toEqual(['get']);
    expect(methods('/api/users/{id}')).toEqual(['delete', 'get', 'put']);
    expect(methods('/api/users/{id}/roles')).toEqual(['post']);
    expect(methods('/api/users/{id}/roles/{roleId}')).toEqual(['delete']);
    expect(methods('/api/roles')).toEqual(['get', 'post']);
    expect(methods('/api/roles/{id}')).toEqual(['delete', 'patch']);
    expect(methods('/api/permissions')).toEqual(['get']);
    expect(methods('/api/admin/users')).toEqual(['get']);
    expect(methods('/api/admin/users/{id}')).toEqual(['delete', 'patch']);
    expect(methods('/api/admin/audit-log')).toEqual(['get']);
  });
});
