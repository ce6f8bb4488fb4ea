import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, type TestUser } from '../../../test/worker/helpers';

interface Session {
  id: string;
  hostId: string;
  visibility: 'public' | 'private';
  phase: string;
}

async function createSession(host: TestUser, body: Record<string, unknown> = {}): Promise<Session> {
  const res = await call('/api/coworking/sessions', {
    token: host.accessToken,
    body: { title: 'Deep work', durationMinutes: 50, visibility: 'private', ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Session;
}

async function befriend(a: TestUser, b: TestUser) {
  expect((await call('/api/friends/request', { token: a.accessToken, body: { userId: b.id } })).status).toBe(202);
  expect((await call('/api/friends/accept', { token: b.accessToken, body: { userId: a.id } })).status).toBe(200);
}

async function friendsSessionIds(user: TestUser): Promise<string[]> {
  const res = await call('/api/coworking/sessions/friends', { token: user.accessToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Session[] }).items.map((session) => session.id);
}

const open = (user: TestUser, sessionId: string) =>
  call(`/api/coworking/sessions/${sessionId}`, { token: user.accessToken });
const join = (user: TestUser, sessionId: string) =>
  call(`/api/coworking/sessions/${sessionId}/join`, { token: user.accessToken, body: { remote: true } });

describe("friends' sessions", () => {
  it('should list a friend’s private session and let the friend open and join it without the code', async () => {
    const host = await registerUser({ name: 'Hana' });
    const friend = await registerUser({ name: 'Fred' });
    await befriend(host, friend);
    const secret = await createSession(host, { title: 'Quiet hour' });
    const open_ = await createSession(host, { visibility: 'public' });

    expect((await friendsSessionIds(friend)).sort()).toEqual([secret.id, open_.id].sort());
    const listed = (await (await call('/api/coworking/sessions/friends', { token: friend.accessToken })).json()) as {
      items: Session[];
    };
    expect(listed.items.find((s) => s.id === secret.id)).toMatchObject({ hostId: host.id, visibility: 'private' });

    const details = await open(friend, secret.id);
    expect(details.status).toBe(200);
    expect(await details.json()).toMatchObject({ session: { id: secret.id }, you: null });
    const joined = await join(friend, secret.id);
    expect(joined.status).toBe(201);
    expect(await joined.json()).toMatchObject({ participation: { userId: friend.id, mode: 'remote' } });
    // The host's own sessions are not in their friends' list.
    expect(await friendsSessionIds(host)).toEqual([]);
  });

  it('should keep a private session a 404 for someone who is not a friend of the host', async () => {
    const host = await registerUser();
    const stranger = await registerUser();
    const pending = await registerUser();
    // A request not accepted yet is no friendship.
    expect((await call('/api/friends/request', { token: host.accessToken, body: { userId: pending.id } })).status).toBe(
      202,
    );
    const secret = await createSession(host);
    for (const user of [stranger, pending]) {
      expect(await friendsSessionIds(user)).toEqual([]);
      await expectProblem(await open(user, secret.id), 404, 'not_found');
      await expectProblem(await join(user, secret.id), 404, 'not_found');
    }
  });

  it('should hide the sessions of a friend of the host when a block stands between them, either way', async () => {
    for (const blockerIsHost of [true, false]) {
      const host = await registerUser();
      const friend = await registerUser();
      await befriend(host, friend);
      const secret = await createSession(host);
      expect(await friendsSessionIds(friend)).toEqual([secret.id]);
      const [blocker, blocked] = blockerIsHost ? [host, friend] : [friend, host];
      const res = await call(`/api/users/${blocked.id}/block`, { method: 'POST', token: blocker.accessToken });
      expect(res.status).toBe(204);
      expect(await friendsSessionIds(friend)).toEqual([]);
      await expectProblem(await open(friend, secret.id), 404, 'not_found');
      await expectProblem(await join(friend, secret.id), 404, 'not_found');
    }
  });

  it('should hide the sessions of a host whose friendship stands beside a block (the list rechecks blocks)', async () => {
    const host = await registerUser();
    const friend = await registerUser();
    await befriend(host, friend);
    const secret = await createSession(host);
    // Written straight to D1: a block that raced a friendship into existing beside it.
    await env.DB.prepare('INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?1, ?2, ?3)')
      .bind(host.id, friend.id, Date.now())
      .run();
    expect(await friendsSessionIds(friend)).toEqual([]);
    await expectProblem(await open(friend, secret.id), 404, 'not_found');
  });

  it('should leave out ended sessions, and list the rest soonest first', async () => {
    const host = await registerUser();
    const friend = await registerUser();
    await befriend(host, friend);
    const inAWeek = await createSession(host, { startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    const tomorrow = await createSession(host, { startsAt: new Date(Date.now() + 86_400_000).toISOString() });
    const now = await createSession(host);
    const ended = await createSession(host);
    await env.DB.prepare("UPDATE coworking_sessions SET phase = 'ended', ended_at = ?1 WHERE id = ?2")
      .bind(Date.now(), ended.id)
      .run();
    expect(await friendsSessionIds(friend)).toEqual([now.id, tomorrow.id, inAWeek.id]);
    await expectProblem(await join(friend, ended.id), 409, 'session_ended');
  });

  it('should keep a friend the host removed out of the session: not listed, not opened, not rejoined', async () => {
    const host = await registerUser();
    const friend = await registerUser();
    await befriend(host, friend);
    const secret = await createSession(host);
    expect((await join(friend, secret.id)).status).toBe(201);
    const removed = await call(`/api/coworking/sessions/${secret.id}/participants/${friend.id}`, {
      method: 'DELETE',
      token: host.accessToken,
    });
    expect(removed.status).toBe(204);
    expect(await friendsSessionIds(friend)).toEqual([]);
    await expectProblem(await open(friend, secret.id), 404, 'not_found');
    await expectProblem(await join(friend, secret.id), 404, 'not_found');
  });

  it('should stop showing private sessions when the friendship ends', async () => {
    const host = await registerUser();
    const friend = await registerUser();
    await befriend(host, friend);
    const secret = await createSession(host);
    expect((await call(`/api/friends/${friend.id}`, { method: 'DELETE', token: host.accessToken })).status).toBe(204);
    expect(await friendsSessionIds(friend)).toEqual([]);
    await expectProblem(await open(friend, secret.id), 404, 'not_found');
  });

  it('should refuse the list to someone signed out', async () => {
    await expectProblem(await call('/api/coworking/sessions/friends'), 401, 'unauthorized');
  });
});
