import { describe, expect, it } from 'vitest';
import { call, expectProblem, makeAdmin, registerUser, type TestUser } from '../../../test/worker/helpers';

interface AuditEvent {
  id: string;
  at: string;
  action: string;
  outcome: 'success' | 'failure';
  actorId: string | null;
  actorEmail: string | null;
  targetId: string | null;
  targetEmail: string | null;
}

interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

async function registerAdmin(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

async function auditLog(token: string, query: string): Promise<AuditPage> {
  const res = await call(`/api/admin/audit-log?${query}`, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as AuditPage;
}

/** A user with a known trail: register, a profile change, a failed and a successful sign-in. */
async function userWithHistory() {
  const user = await registerUser();
  await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { name: 'Trail' } });
  await call('/api/auth/login', { body: { email: user.email, password: 'definitely the wrong one' } });
  const login = await call('/api/auth/login', { body: { email: user.email, password: user.password } });
  expect(login.status).toBe(200);
  return user;
}

describe('GET /api/admin/audit-log', () => {
  it('should refuse anonymous callers (401) and non-admins (403)', async () => {
    const user = await registerUser();
    await expectProblem(await call('/api/admin/audit-log'), 401, 'unauthorized');
    await expectProblem(await call('/api/admin/audit-log', { token: user.accessToken }), 403, 'forbidden');
  });

  it('should list a user’s events newest first', async () => {
    const admin = await registerAdmin();
    const user = await userWithHistory();
    const page = await auditLog(admin.accessToken, `targetId=${user.id}`);
    expect(page.items.map((event) => [event.action, event.outcome])).toEqual([
      ['auth.login', 'success'],
      ['auth.login', 'failure'],
      ['user.update', 'success'],
      ['auth.register', 'success'],
    ]);
    expect(page.nextCursor).toBeNull();
    const times = page.items.map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('should filter by action, outcome and actor', async () => {
    const admin = await registerAdmin();
    const user = await userWithHistory();
    const logins = await auditLog(admin.accessToken, `targetId=${user.id}&action=auth.login`);
    expect(logins.items.map((event) => event.outcome)).toEqual(['success', 'failure']);
    const failures = await auditLog(admin.accessToken, `targetId=${user.id}&outcome=failure`);
    expect(failures.items.map((event) => event.action)).toEqual(['auth.login']);

    await call(`/api/users/${user.id}/roles`, { token: admin.accessToken, body: { role: 'admin' } });
    const byAdmin = await auditLog(admin.accessToken, `actorId=${admin.id}&targetId=${user.id}`);
    expect(byAdmin.items.map((event) => [event.action, event.actorId])).toEqual([['admin.role_grant', admin.id]]);
    const adminOwn = await auditLog(admin.accessToken, `actorId=${admin.id}`);
    expect(adminOwn.items.every((event) => event.actorId === admin.id)).toBe(true);
    expect(adminOwn.items.map((event) => event.action)).toEqual(['admin.role_grant', 'auth.register']);
  });

  it('should filter by a time window: since inclusive, until exclusive', async () => {
    const admin = await registerAdmin();
    const user = await userWithHistory();
    const all = await auditLog(admin.accessToken, `targetId=${user.id}`);
    const newest = all.items[0] as AuditEvent;
    const oldest = all.items.at(-1) as AuditEvent;

    const since = await auditLog(admin.accessToken, `targetId=${user.id}&since=${encodeURIComponent(newest.at)}`);
    expect(since.items.map((event) => event.id)).toContain(newest.id);
    expect(since.items.map((event) => event.id)).not.toContain(oldest.id);

    const until = await auditLog(admin.accessToken, `targetId=${user.id}&until=${encodeURIComponent(newest.at)}`);
    expect(until.items.map((event) => event.id)).not.toContain(newest.id);
    expect(until.items.map((event) => event.id)).toContain(oldest.id);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await auditLog(admin.accessToken, `targetId=${user.id}&since=${future}`)).items).toEqual([]);
  });

  it('should walk pages with the cursor without duplicates or gaps', async () => {
    const admin = await registerAdmin();
    const user = await userWithHistory();
    const all = await auditLog(admin.accessToken, `targetId=${user.id}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: AuditPage = await auditLog(
        admin.accessToken,
        `targetId=${user.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((event) => event.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(all.items.map((event) => event.id));
  });

  it('should name the accounts involved by email and filter by part of either email', async () => {
    const admin = await registerAdmin();
    const user = await userWithHistory();
    await call(`/api/users/${user.id}/roles`, { token: admin.accessToken, body: { role: 'admin' } });

    const byTarget = await auditLog(admin.accessToken, `email=${encodeURIComponent(user.email.toUpperCase())}`);
    expect(byTarget.items.map((event) => [event.action, event.targetEmail])).toEqual([
      ['admin.role_grant', user.email],
      ['auth.login', user.email],
      ['auth.login', user.email],
      ['user.update', user.email],
      ['auth.register', user.email],
    ]);
    expect(byTarget.items[0]).toMatchObject({ actorId: admin.id, actorEmail: admin.email });

    const byActor = await auditLog(admin.accessToken, `email=${encodeURIComponent(admin.email)}`);
    expect(byActor.items.map((event) => [event.action, event.actorEmail, event.targetEmail])).toEqual([
      ['admin.role_grant', admin.email, user.email],
      ['auth.register', admin.email, admin.email],
    ]);
    const nobody = await auditLog(admin.accessToken, `email=${encodeURIComponent(`%${user.email}`)}`);
    expect(nobody.items).toEqual([]);
  });

  it('should let a custom role with audit.read read the log, and no one without it', async () => {
    const admin = await registerAdmin();
    const auditor = await registerUser();
    const created = await call('/api/roles', {
      token: admin.accessToken,
      body: { name: `auditor-${crypto.randomUUID().slice(0, 8)}`, permissions: ['audit.read'] },
    });
    const role = (await created.json()) as { id: string };
    await expectProblem(await call('/api/admin/audit-log', { token: auditor.accessToken }), 403, 'forbidden');
    await call(`/api/users/${auditor.id}/roles`, { token: admin.accessToken, body: { role: role.id } });
    expect((await call('/api/admin/audit-log', { token: auditor.accessToken })).status).toBe(200);
  });

  it.each(['action=auth.nonsense', 'outcome=maybe', 'since=yesterday', 'limit=1000', 'email='])(
    'should refuse the query %s with 400',
    async (query) => {
      const admin = await registerAdmin();
      await expectProblem(
        await call(`/api/admin/audit-log?${query}`, { token: admin.accessToken }),
        400,
        'validation_failed',
      );
    },
  );
});
