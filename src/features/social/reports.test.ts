import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectProblem,
  makeAdmin,
  registerUser,
  type TestUser,
  waitForMessage,
} from '../../../test/worker/helpers';
import { connect, createRoom, roomOf, runTasksNow } from '../../../test/worker/sockets';

interface Report {
  id: string;
  reporter: { id: string };
  reported: { id: string; name: string } | null;
  messageText: string | null;
  status: string;
  action: string | null;
  note: string | null;
}

const report = (user: TestUser, body: Record<string, unknown>) =>
  call('/api/reports', { token: user.accessToken, body: { reason: 'harassment', ...body } });

async function fileOk(user: TestUser, body: Record<string, unknown>): Promise<string> {
  const res = await report(user, body);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function registerAdmin(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

async function reportsPage(admin: TestUser, query = ''): Promise<Report[]> {
  const res = await call(`/api/admin/reports?limit=100${query}`, { token: admin.accessToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Report[] }).items;
}

const decide = (admin: TestUser, id: string, body: Record<string, unknown>) =>
  call(`/api/admin/reports/${id}`, { method: 'PATCH', token: admin.accessToken, body });

async function auditActionsFor(admin: TestUser, targetId: string): Promise<string[]> {
  const res = await call(`/api/admin/audit-log?targetId=${targetId}`, { token: admin.accessToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { action: string }[] }).items.map((item) => item.action);
}

describe('POST /api/reports', () => {
  it('should file a report, and refuse yourself, unknown accounts and bad input cleanly', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    await fileOk(ann, { userId: bob.id, reason: 'spam', details: 'Sends links all day' });
    await expectProblem(await report(ann, { userId: ann.id }), 400, 'bad_request');
    await expectProblem(await report(ann, { userId: 'nobody-here' }), 404, 'not_found');
    await expectProblem(await report(ann, { userId: bob.id, reason: 'rude' }), 400, 'validation_failed');
    await expectProblem(await report(ann, { userId: bob.id, details: 'x'.repeat(2001) }), 400, 'validation_failed');
    await expectProblem(await report(ann, { userId: bob.id, messageId: 'm1' }), 400, 'validation_failed');
    // Places the reporter was never in look like places that do not exist.
    const room = await createRoom(bob, 'private');
    await expectProblem(await report(ann, { userId: bob.id, roomId: room.id }), 404, 'not_found');
    await expectProblem(await report(ann, { userId: bob.id, sessionId: 'no-such-session' }), 404, 'not_found');
  });

  it('should throttle reports per account', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    for (let i = 0; i < 10; i++) await fileOk(ann, { userId: bob.id });
    const refused = await report(ann, { userId: bob.id });
    await expectProblem(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Someone else is not held back by it.
    await fileOk(bob, { userId: ann.id });
  });

  it('should keep the reported message’s text after the room deletes it, from the object or the archive', async () => {
    const admin = await registerAdmin();
    const ann = await registerUser();
    const bob = await registerUser({ name: 'Bob' });
    const room = await createRoom(ann);
    expect((await call(`/api/rooms/${room.id}/join`, { method: 'POST', token: bob.accessToken })).status).toBe(200);
    const b = (await connect(bob, room.id)).socket;
    b.send({ type: 'send', clientId: 'c1', text: 'a nasty thing' });
    const ack = (await b.next('ack')) as unknown as { id: string };
    b.send({ type: 'send', clientId: 'c2', text: 'another one' });
    const ack2 = (await b.next('ack')) as unknown as { id: string };
    b.send({ type: 'send', clientId: 'c3', text: 'my own words' });

    // Not theirs: refused.
    const a = (await connect(ann, room.id)).socket;
    a.send({ type: 'send', clientId: 'a1', text: 'ann here' });
    const annAck = (await a.next('ack')) as unknown as { id: string };
    await expectProblem(
      await report(ann, { userId: bob.id, roomId: room.id, messageId: annAck.id }),
      400,
      'bad_request',
    );
    await expectProblem(
      await report(ann, { userId: bob.id, roomId: room.id, messageId: 'no-such-message' }),
      404,
      'not_found',
    );

    const fromObject = await fileOk(ann, { userId: bob.id, roomId: room.id, messageId: ack.id });
    b.send({ type: 'delete', messageId: ack.id });
    await a.next('deleted');
    // From the D1 archive: the room's object is asked first, so take the message out of it by hand.
    await runTasksNow(room.id);
    await runInDurableObject(roomOf(room.id), (_instance, state) => {
      state.storage.sql.exec('DELETE FROM messages WHERE id = ?', ack2.id);
    });
    const fromArchive = await fileOk(ann, { userId: bob.id, roomId: room.id, messageId: ack2.id });

    const items = await reportsPage(admin, '&status=open');
    expect(items.find((item) => item.id === fromObject)).toMatchObject({
      messageText: 'a nasty thing',
      reported: { id: bob.id, name: 'Bob' },
      reporter: { id: ann.id },
      status: 'open',
    });
    expect(items.find((item) => item.id === fromArchive)?.messageText).toBe('another one');
    a.close();
    b.close();
  });
});

describe('the reports queue (reports.manage)', () => {
  it('should refuse anyone without reports.manage', async () => {
    const ann = await registerUser();
    await expectProblem(await call('/api/admin/reports', { token: ann.accessToken }), 403, 'forbidden');
    await expectProblem(await decide(ann, 'r1', { status: 'resolved', action: 'none' }), 403, 'forbidden');
    await expectProblem(await call('/api/admin/reports'), 401, 'unauthorized');
  });

  it('should resolve with no action, filter by status, and audit it', async () => {
    const admin = await registerAdmin();
    const ann = await registerUser();
    const bob = await registerUser();
    const id = await fileOk(ann, { userId: bob.id });
    const res = await decide(admin, id, { status: 'resolved', action: 'none', note: 'Looked fine' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'resolved', action: 'none', note: 'Looked fine' });
    expect((await reportsPage(admin, '&status=resolved')).map((item) => item.id)).toContain(id);
    expect((await reportsPage(admin, '&status=open')).map((item) => item.id)).not.toContain(id);
    expect(await auditActionsFor(admin, id)).toEqual(['admin.report_update']);
    expect(await auditActionsFor(admin, bob.id)).toContain('report.create');
    await expectProblem(await decide(admin, 'no-such-report', { status: 'resolved' }), 404, 'not_found');
    await expectProblem(await decide(admin, id, { status: 'closed' }), 400, 'validation_failed');
  });

  it('should warn the reported person through the sender', async () => {
    const admin = await registerAdmin();
    const ann = await registerUser();
    const bob = await registerUser();
    const id = await fileOk(ann, { userId: bob.id, reason: 'spam' });
    expect((await decide(admin, id, { status: 'resolved', action: 'warn' })).status).toBe(200);
    const warning = await waitForMessage(bob.email, /moderator/);
    expect(warning.subject).toMatch(/warning/i);
    expect(await auditActionsFor(admin, id)).toEqual(['admin.report_warn']);
  });

  it('should remove the reported person from the report’s session for good', async () => {
    const admin = await registerAdmin();
    const host = await registerUser();
    const bob = await registerUser();
    const created = await call('/api/coworking/sessions', {
      token: host.accessToken,
      body: { title: 'Focus', durationMinutes: 30, visibility: 'public' },
    });
    const session = (await created.json()) as { id: string };
    const join = () =>
      call(`/api/coworking/sessions/${session.id}/join`, { token: bob.accessToken, body: { remote: true } });
    expect((await join()).status).toBe(201);
    const id = await fileOk(host, { userId: bob.id, sessionId: session.id });
    const noSession = await fileOk(host, { userId: bob.id });
    await expectProblem(
      await decide(admin, noSession, { status: 'resolved', action: 'remove_from_session' }),
      409,
      'conflict',
    );

    expect((await decide(admin, id, { status: 'resolved', action: 'remove_from_session' })).status).toBe(200);
    await expectProblem(await join(), 403, 'forbidden');
    expect(await auditActionsFor(admin, id)).toEqual(['admin.report_remove']);
    // Doing it again has nothing to act on, and records nothing.
    await expectProblem(
      await decide(admin, id, { status: 'resolved', action: 'remove_from_session' }),
      409,
      'conflict',
    );
    expect(await auditActionsFor(admin, id)).toEqual(['admin.report_remove']);
  });

  it('should deactivate through the admin path, which needs users.manage as well', async () => {
    const admin = await registerAdmin();
    const moderator = await registerUser();
    const ann = await registerUser();
    const bob = await registerUser();
    const role = await call('/api/roles', {
      token: admin.accessToken,
      body: { name: `mod-${crypto.randomUUID().slice(0, 8)}`, permissions: ['reports.manage'] },
    });
    expect(role.status).toBe(201);
    const { name } = (await role.json()) as { name: string };
    expect(
      (await call(`/api/users/${moderator.id}/roles`, { token: admin.accessToken, body: { role: name } })).status,
    ).toBe(201);

    const id = await fileOk(ann, { userId: bob.id });
    expect((await reportsPage(moderator)).map((item) => item.id)).toContain(id);
    await expectProblem(await decide(moderator, id, { status: 'resolved', action: 'deactivate' }), 403, 'forbidden');
    // Refused: nothing happened.
    expect((await call('/api/users/me', { token: bob.accessToken })).status).toBe(200);

    expect((await decide(admin, id, { status: 'resolved', action: 'deactivate' })).status).toBe(200);
    await expectProblem(await call('/api/users/me', { token: bob.accessToken }), 401, 'unauthorized');
    expect(await auditActionsFor(admin, id)).toEqual(['admin.report_deactivate']);
    expect(await auditActionsFor(admin, bob.id)).toContain('admin.user_update');
  });

  it('should keep a report about a deleted account, with no one to act on', async () => {
    const admin = await registerAdmin();
    const ann = await registerUser();
    const bob = await registerUser();
    const id = await fileOk(ann, { userId: bob.id });
    const deleted = await call('/api/users/me', {
      method: 'DELETE',
      token: bob.accessToken,
      body: { password: bob.password },
    });
    expect(deleted.status).toBe(204);
    expect((await reportsPage(admin)).find((item) => item.id === id)).toMatchObject({ reported: null });
    await expectProblem(await decide(admin, id, { status: 'resolved', action: 'warn' }), 409, 'conflict');
    expect((await decide(admin, id, { status: 'resolved', action: 'none' })).status).toBe(200);
  });
});

describe('the account export and deletion', () => {
  it('should export my friendships, my blocks and the reports I filed, and delete them with the account', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const cat = await registerUser();
    await call('/api/friends/request', { token: ann.accessToken, body: { userId: bob.id } });
    await call(`/api/users/${cat.id}/block`, { method: 'POST', token: ann.accessToken });
    await call(`/api/users/${ann.id}/block`, { method: 'POST', token: bob.accessToken });
    const reportId = await fileOk(ann, { userId: cat.id, reason: 'other', details: 'Odd' });
    const res = await call('/api/users/me/export', { token: ann.accessToken });
    expect(res.status).toBe(200);
    const data = (await res.json()) as { friends: unknown[]; blocks: unknown[]; reports: unknown[] };
    // Bob's block of Ann ended her request and is Bob's, not hers.
    expect(data.friends).toEqual([]);
    expect(data.blocks).toMatchObject([{ userId: cat.id }]);
    expect(data.reports).toMatchObject([
      { id: reportId, reportedId: cat.id, reason: 'other', details: 'Odd', status: 'open' },
    ]);

    const deleted = await call('/api/users/me', {
      method: 'DELETE',
      token: ann.accessToken,
      body: { password: ann.password },
    });
    expect(deleted.status).toBe(204);
    const blocksLeft = await call('/api/users/me/blocks', { token: bob.accessToken });
    expect(((await blocksLeft.json()) as { items: unknown[] }).items).toEqual([]);
  });
});
