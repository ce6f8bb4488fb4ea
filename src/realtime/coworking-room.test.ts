import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, type TestUser } from '../../test/worker/helpers';
import { type Frame, openSocket, type SocketClient } from '../../test/worker/sockets';
import type { TimerFrame } from './protocol';

type Timer = TimerFrame & Frame;

const sessionObject = (id: string) => env.COWORKING.get(env.COWORKING.idFromName(id));

async function createSession(host: TestUser, body: Record<string, unknown> = {}) {
  const res = await call('/api/coworking/sessions', {
    token: host.accessToken,
    body: { title: 'Deep work', durationMinutes: 50, visibility: 'public', ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; shareCode: string };
}

async function joinRemote(user: TestUser, sessionId: string) {
  const res = await call(`/api/coworking/sessions/${sessionId}/join`, {
    token: user.accessToken,
    body: { remote: true },
  });
  expect(res.status).toBe(201);
}

async function connectTo(user: TestUser, sessionId: string) {
  const ticket = await call(`/api/coworking/sessions/${sessionId}/ticket`, { method: 'POST', token: user.accessToken });
  expect(ticket.status).toBe(200);
  const { url } = (await ticket.json()) as { url: string };
  const { res, client } = await openSocket(url);
  expect(res.status).toBe(101);
  const socket = client as SocketClient;
  const welcome = (await socket.next('welcome')) as Frame & { timer: Timer; host: { userId: string } };
  return { socket, welcome };
}

const control = (user: TestUser, sessionId: string, action: string, body?: unknown) =>
  call(`/api/coworking/sessions/${sessionId}/${action}`, {
    method: 'POST',
    token: user.accessToken,
    ...(body === undefined ? {} : { body }),
  });

/** Runs the object's due tasks as time passing would: every task made due first. */
async function runTasksNow(sessionId: string, only?: string) {
  await runInDurableObject(sessionObject(sessionId), async (_instance, state) => {
    if (only) state.storage.sql.exec('UPDATE room_tasks SET at = 0 WHERE name = ?', only);
    else state.storage.sql.exec('UPDATE room_tasks SET at = 0');
    await state.storage.setAlarm(Date.now() + 1);
  });
  await runDurableObjectAlarm(sessionObject(sessionId));
}

/** Moves everyone's attendance back in time, as if they had been present `minutes` longer. */
async function pretendPresent(sessionId: string, minutes: number) {
  await runInDurableObject(sessionObject(sessionId), (_instance, state) => {
    state.storage.sql.exec(
      'UPDATE attendance SET counting_since = counting_since - ? WHERE counting_since IS NOT NULL',
      minutes * 60_000,
    );
  });
}

describe('coworking sessions: the server-owned timer', () => {
  it('should run lobby → running ⇄ paused with one timer every client sees, and refuse everyone but the host', async () => {
    const host = await registerUser({ name: 'Hana' });
    const guest = await registerUser({ name: 'Gus' });
    const session = await createSession(host, { durationMinutes: 25 });
    await joinRemote(guest, session.id);
    const h = await connectTo(host, session.id);
    const g = await connectTo(guest, session.id);
    expect(g.welcome.timer).toMatchObject({ phase: 'lobby', remainingMs: 25 * 60_000, endsAt: null });
    expect(g.welcome.host).toMatchObject({ userId: host.id });

    // Not the host: refused over REST and over the socket, and nothing changes.
    await expectProblem(await control(guest, session.id, 'start'), 403, 'forbidden');
    g.socket.send({ type: 'control', action: 'start' });
    expect(await g.socket.next('error')).toMatchObject({ code: 'forbidden' });
    await expectProblem(await control(host, session.id, 'pause'), 409, 'conflict');

    const before = Date.now();
    const started = await control(host, session.id, 'start');
    expect(started.status).toBe(200);
    const timer = (await started.json()) as Timer;
    expect(timer.phase).toBe('running');
    const endsAt = Date.parse(timer.endsAt ?? '');
    expect(endsAt).toBeGreaterThanOrEqual(before + 25 * 60_000);
    expect(endsAt).toBeLessThanOrEqual(Date.now() + 25 * 60_000);
    for (const { socket } of [h, g])
      expect(await socket.next<Timer>('timer')).toMatchObject({
        phase: 'running',
        endsAt: timer.endsAt,
        version: timer.version,
      });
    await expectProblem(await control(host, session.id, 'start'), 409, 'conflict');

    // Pause over the socket: the time left freezes.
    h.socket.send({ type: 'control', action: 'pause' });
    const paused = await g.socket.next<Timer>('timer');
    expect(paused.phase).toBe('paused');
    expect(paused.remainingMs).toBeLessThanOrEqual(25 * 60_000);
    expect(paused.remainingMs).toBeGreaterThan(25 * 60_000 - 5_000);
    expect(paused.version).toBeGreaterThan(timer.version);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stillPaused = (await sessionObject(session.id).timer()) as TimerFrame;
    expect(stillPaused.remainingMs).toBe(paused.remainingMs);

    // Resume: the end moves by the pause, never jumps back or counts up.
    const resumed = (await (await control(host, session.id, 'resume')).json()) as Timer;
    expect(resumed.phase).toBe('running');
    expect(Date.parse(resumed.endsAt ?? '')).toBeGreaterThan(endsAt);
    expect(resumed.remainingMs).toBeLessThanOrEqual(paused.remainingMs);
    expect(resumed.remainingMs).toBeGreaterThan(paused.remainingMs - 2_000);

    // Extend: 10 more minutes; never past 8 hours in all.
    const extended = (await (await control(host, session.id, 'extend', { minutes: 10 })).json()) as Timer;
    expect(Date.parse(extended.endsAt ?? '') - Date.parse(resumed.endsAt ?? '')).toBe(10 * 60_000);
    expect(extended.durationMs).toBe(35 * 60_000);
    await expectProblem(await control(host, session.id, 'extend', { minutes: 480 }), 400, 'validation_failed');
    await expectProblem(await control(host, session.id, 'extend', { minutes: 0 }), 400, 'validation_failed');

    // A late joiner's welcome carries the timer as it stands.
    const late = await registerUser({ name: 'Lou' });
    await joinRemote(late, session.id);
    const l = await connectTo(late, session.id);
    expect(l.welcome.timer).toMatchObject({ phase: 'running', endsAt: extended.endsAt });
    // D1 follows the object, for lists and lobbies.
    const row = await env.DB.prepare('SELECT phase, duration_minutes FROM coworking_sessions WHERE id = ?')
      .bind(session.id)
      .first();
    expect(row).toEqual({ phase: 'running', duration_minutes: 35 });
    for (const { socket } of [h, g, l]) socket.close();
  });

  it('should keep the timer across eviction, end at the alarm once, credit minutes once and delete the chat', async () => {
    const host = await registerUser({ name: 'Hana' });
    const guest = await registerUser({ name: 'Gus' });
    const session = await createSession(host, { durationMinutes: 30 });
    await joinRemote(guest, session.id);
    const h = await connectTo(host, session.id);
    const g = await connectTo(guest, session.id);
    const started = (await (await control(host, session.id, 'start')).json()) as Timer;

    // The ephemeral chat works like a room's: ack, seq, resend not stored twice.
    g.socket.send({ type: 'send', clientId: 'c1', text: 'secret focus plan' });
    expect(await g.socket.next('ack')).toMatchObject({ clientId: 'c1', seq: 1 });
    expect(await h.socket.next('message')).toMatchObject({ text: 'secret focus plan', author: { id: guest.id } });
    g.socket.send({ type: 'send', clientId: 'c1', text: 'secret focus plan' });
    expect(await g.socket.next('ack')).toMatchObject({ seq: 1 });

    // Evicted mid-session: the timer is exactly what it was.
    await evictDurableObject(sessionObject(session.id));
    const after = (await sessionObject(session.id).timer()) as TimerFrame;
    expect(after).toMatchObject({ phase: 'running', endsAt: started.endsAt, version: started.version });
    expect(await sessionObject(session.id).messageCount()).toBe(1);

    // Time passes: 20 minutes of presence each (the sockets were dropped by the eviction; reconnect).
    const h2 = await connectTo(host, session.id);
    const g2 = await connectTo(guest, session.id);
    await pretendPresent(session.id, 20);
    await runInDurableObject(sessionObject(session.id), (_instance, state) => {
      const raw = state.storage.sql
        .exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'timer'")
        .one().value;
      state.storage.sql.exec(
        "UPDATE room_meta SET value = ? WHERE key = 'timer'",
        JSON.stringify({ ...JSON.parse(raw), endsAt: Date.now() - 1 }),
      );
    });
    await runTasksNow(session.id, 'end');
    const final = await g2.socket.next<Timer>('timer');
    expect(final.phase).toBe('ended');
    expect(await g2.socket.next('confetti')).toMatchObject({ by: null });
    expect(await g2.socket.closed).toMatchObject({ code: 1000, reason: 'Session ended' });
    await h2.socket.closed;

    const credited = async () =>
      (
        await env.DB.prepare(
          'SELECT user_id, minutes_present FROM coworking_participants WHERE session_id = ? ORDER BY user_id',
        )
          .bind(session.id)
          .all<{ user_id: string; minutes_present: number }>()
      ).results;
    const first = await credited();
    expect(first.map((row) => row.minutes_present)).toEqual([20, 20]);
    const ended = await env.DB.prepare('SELECT phase, ended_at FROM coworking_sessions WHERE id = ?')
      .bind(session.id)
      .first();
    expect(ended?.phase).toBe('ended');

    // The alarm fires again (at least once means maybe twice): nobody is credited twice.
    await pretendPresent(session.id, 20);
    await runInDurableObject(sessionObject(session.id), (_instance, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO room_tasks (name, at) VALUES ('end', 0)");
    });
    await runTasksNow(session.id);
    await expectProblem(await control(host, session.id, 'end'), 409, 'session_ended');
    expect(await credited()).toEqual(first);
    // Each participant has one sprint record from it, credited once, on their local day.
    const sprintRows = (
      await env.DB.prepare(
        "SELECT user_id, credited_minutes, status, local_date FROM sprints WHERE session_id = ? AND kind = 'session' ORDER BY user_id",
      )
        .bind(session.id)
        .all<{ user_id: string; credited_minutes: number; status: string; local_date: string }>()
    ).results;
    expect(sprintRows.map((row) => [row.credited_minutes, row.status])).toEqual([
      [20, 'completed'],
      [20, 'completed'],
    ]);
    const exported = (await (await call('/api/users/me/export', { token: guest.accessToken })).json()) as {
      sprints: { sessionId: string; creditedMinutes: number; kind: string }[];
    };
    expect(exported.sprints).toEqual([
      expect.objectContaining({ sessionId: session.id, creditedMinutes: 20, kind: 'session' }),
    ]);
    expect(sprintRows[0]?.local_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // Attending made it an active day for both (metrics), written once whatever the retries.
    const activeDays = await env.DB.prepare(
      'SELECT first_kind FROM user_activity_days WHERE user_id IN (?1, ?2) ORDER BY user_id',
    )
      .bind(host.id, guest.id)
      .all<{ first_kind: string }>();
    expect(activeDays.results).toEqual([{ first_kind: 'session' }, { first_kind: 'session' }]);

    // The chat is gone: no text in the object's storage, and none was ever in D1.
    expect(await sessionObject(session.id).messageCount()).toBe(0);
    const inD1 = await env.DB.prepare(
      "SELECT count(*) AS n FROM messages WHERE text LIKE '%secret focus plan%'",
    ).first();
    expect(inD1?.n).toBe(0);
    await runInDurableObject(sessionObject(session.id), (_instance, state) => {
      const rows = state.storage.sql.exec("SELECT count(*) AS n FROM messages WHERE text LIKE '%secret%'").one();
      expect(rows.n).toBe(0);
    });
    // No new sockets once it has ended.
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/ticket`, { method: 'POST', token: guest.accessToken }),
      409,
      'session_ended',
    );
  });

  it('should start a scheduled session by itself at its start time', async () => {
    const host = await registerUser();
    const startsAt = new Date(Date.now() + 60 * 60_000).toISOString();
    const session = await createSession(host, { startsAt, durationMinutes: 15 });
    expect(await sessionObject(session.id).timer()).toMatchObject({ phase: 'lobby' });
    await runTasksNow(session.id, 'start');
    expect(await sessionObject(session.id).timer()).toMatchObject({ phase: 'running', durationMs: 15 * 60_000 });
  });

  it('should hand over to the longest-present participant when the host is away 5 minutes, or when asked', async () => {
    const host = await registerUser({ name: 'Hana' });
    const first = await registerUser({ name: 'First' });
    const second = await registerUser({ name: 'Second' });
    const session = await createSession(host);
    await joinRemote(first, session.id);
    await joinRemote(second, session.id);
    const h = await connectTo(host, session.id);
    const a = await connectTo(first, session.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b = await connectTo(second, session.id);
    await control(host, session.id, 'start');

    h.socket.close();
    await h.socket.closed;
    await runTasksNow(session.id, 'host-absent');
    for (const { socket } of [a, b])
      expect(await socket.next('host')).toMatchObject({ userId: first.id, name: 'First' });
    const row = await env.DB.prepare('SELECT host_id FROM coworking_sessions WHERE id = ?').bind(session.id).first();
    expect(row?.host_id).toBe(first.id);
    // The old host's controls no longer work; the new host's do.
    await expectProblem(await control(host, session.id, 'pause'), 403, 'forbidden');
    expect((await control(first, session.id, 'pause')).status).toBe(200);

    // An explicit hand-over, to someone in the session only.
    const outsider = await registerUser();
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/host`, {
        token: first.accessToken,
        body: { userId: outsider.id },
      }),
      404,
      'not_found',
    );
    const handed = await call(`/api/coworking/sessions/${session.id}/host`, {
      token: first.accessToken,
      body: { userId: second.id },
    });
    expect(handed.status).toBe(200);
    expect(await a.socket.next('host')).toMatchObject({ userId: second.id });
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/host`, { token: first.accessToken, body: { userId: host.id } }),
      403,
      'forbidden',
    );
    a.socket.close();
    b.socket.close();
  });

  it('should close a removed participant’s sockets and keep them out of that session', async () => {
    const host = await registerUser();
    const guest = await registerUser();
    const session = await createSession(host);
    await joinRemote(guest, session.id);
    const g = await connectTo(guest, session.id);
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/participants/${host.id}`, {
        method: 'DELETE',
        token: guest.accessToken,
      }),
      403,
      'forbidden',
    );
    const removed = await call(`/api/coworking/sessions/${session.id}/participants/${guest.id}`, {
      method: 'DELETE',
      token: host.accessToken,
    });
    expect(removed.status).toBe(204);
    expect(await g.socket.closed).toMatchObject({ code: 1008, reason: 'You were removed from this session' });
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/join`, { token: guest.accessToken, body: { remote: true } }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/ticket`, { method: 'POST', token: guest.accessToken }),
      403,
      'forbidden',
    );
  });

  it('should fan reactions out from an allowed set, rate-limit each person, and leave the rest untouched', async () => {
    const host = await registerUser();
    const guest = await registerUser();
    const session = await createSession(host);
    await joinRemote(guest, session.id);
    const h = await connectTo(host, session.id);
    const g = await connectTo(guest, session.id);

    g.socket.send({ type: 'react', emoji: '🔥' });
    expect(await h.socket.next('reaction')).toMatchObject({ userId: guest.id, emoji: '🔥' });
    g.socket.send({ type: 'react', emoji: '💩' });
    expect(await g.socket.next('error')).toMatchObject({ code: 'validation_failed' });

    for (let i = 0; i < 8; i++) g.socket.send({ type: 'react', emoji: '👏' });
    expect(await g.socket.next('error')).toMatchObject({ code: 'rate_limited' });
    // The flood of reactions cost the chat nothing: a message still goes through.
    g.socket.send({ type: 'send', clientId: 'after', text: 'still here' });
    expect(await g.socket.next('ack')).toMatchObject({ clientId: 'after' });
    const received = h.socket.of('reaction').length;
    expect(received).toBeLessThanOrEqual(5);

    // The host celebrates: confetti for everyone.
    expect((await control(host, session.id, 'celebrate')).status).toBe(200);
    expect(await g.socket.next('confetti')).toMatchObject({ by: host.id });
    h.socket.close();
    g.socket.close();
  });

  it('should give no ticket to someone who has not joined, and refuse a room ticket at the session socket', async () => {
    const host = await registerUser();
    const stranger = await registerUser();
    const session = await createSession(host);
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/ticket`, { method: 'POST', token: stranger.accessToken }),
      403,
      'forbidden',
    );
    const room = (await (
      await call('/api/rooms', { body: { name: 'R', visibility: 'public' }, token: host.accessToken })
    ).json()) as {
      id: string;
    };
    const roomTicket = (await (
      await call(`/api/rooms/${room.id}/ticket`, { method: 'POST', token: host.accessToken })
    ).json()) as {
      ticket: string;
    };
    const forged = await openSocket(
      `ws://localhost:8787/api/coworking/sessions/${session.id}/ws?ticket=${roomTicket.ticket}`,
    );
    expect(forged.res.status).toBe(401);
  });
});

describe('coworking sessions: blocks on every path a frame takes', () => {
  it('should keep a blocked author’s messages, edits, deletions and reactions out of live frames and the since= replay, until unblocked', async () => {
    const host = await registerUser({ name: 'Cat' });
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const session = await createSession(host);
    await joinRemote(ann, session.id);
    await joinRemote(bob, session.id);
    const blockCall = (method: 'POST' | 'DELETE') =>
      call(`/api/users/${bob.id}/block`, { method, token: ann.accessToken });
    const reconnect = async (since: number) => {
      const ticket = await call(`/api/coworking/sessions/${session.id}/ticket`, {
        method: 'POST',
        token: ann.accessToken,
      });
      const { url } = (await ticket.json()) as { url: string };
      const { client } = await openSocket(`${url}&since=${since}`);
      const socket = client as SocketClient;
      const welcome = (await socket.next('welcome')) as Frame & { history: { text: string }[] };
      return { socket, welcome };
    };
    const h = await connectTo(host, session.id);
    const b = await connectTo(bob, session.id);
    const a = (await connectTo(ann, session.id)).socket;

    b.socket.send({ type: 'send', clientId: 'b-1', text: 'seen before the block' });
    const older = await b.socket.next<Frame & { id: string }>('ack');
    b.socket.send({ type: 'send', clientId: 'b-2', text: 'soon deleted' });
    const doomed = await b.socket.next<Frame & { id: string }>('ack');
    a.send({ type: 'send', clientId: 'a-1', text: 'hello' });
    const seen = await a.next<Frame & { seq: number }>('ack');
    a.close();
    expect((await blockCall('POST')).status).toBe(204);

    // Away, then back with since=: none of Bob's changes come along.
    b.socket.send({ type: 'edit', messageId: older.id, text: 'edited after the block' });
    await b.socket.next('edited');
    b.socket.send({ type: 'delete', messageId: doomed.id });
    await b.socket.next('deleted');
    b.socket.send({ type: 'send', clientId: 'b-3', text: 'missed while away' });
    await b.socket.next('ack');
    let back = await reconnect(seen.seq);
    expect(back.welcome.history).toEqual([]);
    // Live: his reaction and his next message reach the host only.
    b.socket.send({ type: 'react', emoji: '🔥' });
    b.socket.send({ type: 'send', clientId: 'b-4', text: 'live after the block' });
    await expect.poll(() => h.socket.of('message').some((frame) => frame.text === 'live after the block')).toBe(true);
    await expect.poll(() => h.socket.of('reaction').some((frame) => frame.userId === bob.id)).toBe(true);
    h.socket.send({ type: 'react', emoji: '👏' });
    expect(await back.socket.next('reaction')).toMatchObject({ userId: host.id });
    expect(
      back.socket.frames.filter(
        (frame) => ['edited', 'deleted', 'reaction', 'message'].includes(frame.type) && frame.userId !== host.id,
      ),
    ).toEqual([]);
    back.socket.close();

    // Unblocked: the same catch-up brings his messages and his edit back.
    expect((await blockCall('DELETE')).status).toBe(204);
    back = await reconnect(seen.seq);
    expect(back.welcome.history.map((message) => message.text)).toEqual(['missed while away', 'live after the block']);
    expect(await back.socket.next('edited')).toMatchObject({ id: older.id, text: 'edited after the block' });
    expect(await back.socket.next('deleted')).toMatchObject({ id: doomed.id });
    b.socket.send({ type: 'react', emoji: '🎉' });
    expect(await back.socket.next('reaction')).toMatchObject({ userId: bob.id });
    for (const socket of [back.socket, b.socket, h.socket]) socket.close();
  });
});
