import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectProblem,
  makeAdmin,
  registerUser,
  type TestUser,
  waitForMessage,
} from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { nearbyCandidates } from './coworking.service';

interface Session {
  id: string;
  hostId: string;
  title: string;
  visibility: 'public' | 'private';
  shareCode: string;
  capacity: number;
  phase: string;
  location: { lat: number; lng: number } | null;
  invitesSent: number;
}
interface Participation {
  userId: string;
  mode: 'host' | 'in_person' | 'remote';
  joinedAt: string;
  leftAt: string | null;
}
interface Details {
  session: Session;
  host: { id: string; name: string };
  participants: (Participation & { name: string })[];
  seatsTaken: number;
  capacity: number;
  you: Participation | null;
}
interface Passes {
  balance: number;
  ledger: { reason: string; delta: number; sessionId: string | null; actorId: string | null }[];
}

/** A point no other test uses, so sessions from elsewhere never show up nearby. */
function somewhere(): { lat: number; lng: number } {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint32Array(2));
  return { lat: -60 + (a / 2 ** 32) * 120, lng: -170 + (b / 2 ** 32) * 340 };
}

/** `meters` due north of `point`. */
const north = (point: { lat: number; lng: number }, meters: number) => ({
  lat: point.lat + meters / 111_195,
  lng: point.lng,
});

async function createSession(host: TestUser, body: Record<string, unknown> = {}): Promise<Session> {
  const res = await call('/api/coworking/sessions', {
    token: host.accessToken,
    body: { title: 'Deep work', durationMinutes: 50, visibility: 'public', ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Session;
}

const join = (user: TestUser, sessionId: string, body: Record<string, unknown>) =>
  call(`/api/coworking/sessions/${sessionId}/join`, { token: user.accessToken, body });

async function passes(user: TestUser): Promise<Passes> {
  const res = await call('/api/coworking/passes', { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Passes;
}

async function details(user: TestUser, sessionId: string): Promise<Details> {
  const res = await call(`/api/coworking/sessions/${sessionId}`, { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Details;
}

async function spendRows(sessionId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM remote_pass_ledger WHERE session_id = ?1 AND reason = 'spend'",
  )
    .bind(sessionId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function registerMany(count: number): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 0; i < count; i += 10) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => registerUser()))));
  }
  return users;
}

describe('POST /api/coworking/sessions', () => {
  it('should create a session with a share code and seat its host', async () => {
    const host = await registerUser({ name: 'Hana' });
    const session = await createSession(host, { capacity: 12, plan: 'Write the report', location: somewhere() });
    expect(session).toMatchObject({ hostId: host.id, capacity: 12, phase: 'lobby', visibility: 'public' });
    expect(session.shareCode).toMatch(/^[2-9A-HJKMNP-TV-Z]{8}$/);
    const lobby = await details(host, session.id);
    expect(lobby.host).toEqual({ id: host.id, name: 'Hana' });
    expect(lobby.participants).toEqual([expect.objectContaining({ userId: host.id, mode: 'host', name: 'Hana' })]);
    expect(lobby).toMatchObject({ seatsTaken: 0, capacity: 12, you: { userId: host.id, mode: 'host' } });
  });

  it('should default the capacity to 50 and refuse more, or a start in the past or beyond 30 days', async () => {
    const host = await registerUser();
    expect((await createSession(host)).capacity).toBe(50);
    const refuse = async (body: Record<string, unknown>, path: string) => {
      const res = await call('/api/coworking/sessions', {
        token: host.accessToken,
        body: { title: 'x', durationMinutes: 25, visibility: 'public', ...body },
      });
      const problem = await expectProblem(res, 400, 'validation_failed');
      expect(problem.errors?.map((error) => error.path)).toContain(path);
    };
    await refuse({ capacity: 51 }, 'body.capacity');
    await refuse({ durationMinutes: 481 }, 'body.durationMinutes');
    await refuse({ title: ' ' }, 'body.title');
    await refuse({ startsAt: new Date(Date.now() - 60_000).toISOString() }, 'body.startsAt');
    await refuse({ startsAt: new Date(Date.now() + 31 * 86_400_000).toISOString() }, 'body.startsAt');
    await refuse({ location: { lat: 91, lng: 0 } }, 'body.location.lat');
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await createSession(host, { startsAt: later });
    expect(scheduled).toMatchObject({ startsAt: later });
  });
});

describe('POST /api/coworking/sessions/:id/join', () => {
  it('should give 10 seats to 60 parallel remote joins and spend exactly 10 passes', async () => {
    const host = await registerUser();
    const session = await createSession(host, { capacity: 10 });
    const joiners = await registerMany(60);
    const results = await Promise.all(joiners.map((user) => join(user, session.id, { remote: true })));
    const statuses = results.map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(50);
    for (const res of results.filter((r) => r.status === 409)) await expectProblem(res, 409, 'session_full');
    const balances = await Promise.all(joiners.map(async (user) => (await passes(user)).balance));
    expect(balances.filter((balance) => balance === 2)).toHaveLength(10);
    expect(balances.filter((balance) => balance === 3)).toHaveLength(50);
    expect(await spendRows(session.id)).toBe(10);
    const lobby = await details(host, session.id);
    expect(lobby.seatsTaken).toBe(10);
    expect(lobby.participants.filter((p) => p.mode === 'remote')).toHaveLength(10);
  });

  it('should spend one pass when the same user joins twice at once, and nothing when joining again', async () => {
    const host = await registerUser();
    const session = await createSession(host);
    const user = await registerUser();
    const [a, b] = await Promise.all([
      join(user, session.id, { remote: true }),
      join(user, session.id, { remote: true }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const first = ((await a.json()) as { participation: Participation }).participation;
    const second = ((await b.json()) as { participation: Participation }).participation;
    expect(second).toEqual(first);
    const again = await join(user, session.id, { remote: true });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { participation: Participation }).participation).toEqual(first);
    expect((await passes(user)).balance).toBe(2);
    expect(await spendRows(session.id)).toBe(1);
  });

  it('should refuse with no_remote_passes when none is left, and spend nothing on a refused join', async () => {
    const host = await registerUser();
    const user = await registerUser();
    await env.DB.prepare('INSERT INTO remote_passes (user_id, balance) VALUES (?1, 0)').bind(user.id).run();
    const session = await createSession(host);
    await expectProblem(await join(user, session.id, { remote: true }), 403, 'no_remote_passes');
    expect((await passes(user)).balance).toBe(0);
    expect(await spendRows(session.id)).toBe(0);
    expect((await details(host, session.id)).seatsTaken).toBe(0);

    const full = await createSession(host, { capacity: 1 });
    const other = await registerUser();
    expect((await join(other, full.id, { remote: true })).status).toBe(201);
    const refused = await registerUser();
    await expectProblem(await join(refused, full.id, { remote: true }), 409, 'session_full');
    const ledger = (await passes(refused)).ledger;
    expect(ledger).toEqual([expect.objectContaining({ reason: 'initial', delta: 3 })]);
  });

  it('should seat someone within 50 m in person for free, and refuse 60 m away saying how far', async () => {
    const host = await registerUser();
    const place = somewhere();
    const session = await createSession(host, { location: place });
    const near = await registerUser();
    const res = await join(near, session.id, { location: { ...north(place, 30), accuracy: 10 } });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { participation: Participation }).participation.mode).toBe('in_person');
    expect((await passes(near)).balance).toBe(3);

    const far = await registerUser();
    const problem = await expectProblem(await join(far, session.id, { location: north(place, 60) }), 403, 'forbidden');
    expect(problem.detail).toMatch(/\b60 m\b/);
    const veryFar = await expectProblem(
      await join(far, session.id, { location: north(place, 2500) }),
      403,
      'forbidden',
    );
    expect(veryFar.detail).toMatch(/2\.5 km/);
    expect((await passes(far)).ledger.filter((entry) => entry.reason === 'spend')).toEqual([]);
    const remote = await join(far, session.id, { location: north(place, 60), remote: true });
    expect(remote.status).toBe(201);
    expect(((await remote.json()) as { participation: Participation }).participation.mode).toBe('remote');
    expect((await passes(far)).balance).toBe(2);
  });

  it('should ask for a location or remote, and never store the location given', async () => {
    const host = await registerUser();
    const place = somewhere();
    const session = await createSession(host, { location: place });
    const user = await registerUser();
    const problem = await expectProblem(await join(user, session.id, {}), 400, 'bad_request');
    expect(problem.detail).toMatch(/location/);
    const unlocated = await createSession(host);
    await expectProblem(await join(user, unlocated.id, { location: place }), 403, 'forbidden');
    expect((await join(user, session.id, { location: north(place, 10) })).status).toBe(201);
    const { results } = await env.DB.prepare('SELECT * FROM coworking_participants WHERE user_id = ?1')
      .bind(user.id)
      .all();
    expect(JSON.stringify(results)).not.toContain(String(north(place, 10).lat));
  });

  it('should hide a private session without its code, and join with it in any case', async () => {
    const host = await registerUser();
    const session = await createSession(host, { visibility: 'private' });
    const user = await registerUser();
    await expectProblem(await join(user, session.id, { remote: true }), 404, 'not_found');
    await expectProblem(await join(user, session.id, { remote: true, code: 'WRONGCDE' }), 404, 'not_found');
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}`, { token: user.accessToken }),
      404,
      'not_found',
    );
    expect((await passes(user)).balance).toBe(3);
    const res = await join(user, session.id, { remote: true, code: session.shareCode.toLowerCase() });
    expect(res.status).toBe(201);
    expect((await details(user, session.id)).you).toMatchObject({ userId: user.id, mode: 'remote' });
  });

  it('should answer the host with their own participation', async () => {
    const host = await registerUser();
    const session = await createSession(host);
    const res = await join(host, session.id, { remote: true });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { participation: Participation }).participation.mode).toBe('host');
    expect(await spendRows(session.id)).toBe(0);
  });

  it('should keep a removed participant out', async () => {
    const host = await registerUser();
    const session = await createSession(host);
    const user = await registerUser();
    expect((await join(user, session.id, { remote: true })).status).toBe(201);
    await env.DB.prepare('UPDATE coworking_participants SET removed_at = ?1 WHERE session_id = ?2 AND user_id = ?3')
      .bind(Date.now(), session.id, user.id)
      .run();
    await expectProblem(await join(user, session.id, { remote: true }), 403, 'forbidden');
    expect((await passes(user)).balance).toBe(2);
    const lobby = await details(host, session.id);
    expect(lobby.seatsTaken).toBe(0);
    expect(lobby.participants.map((p) => p.userId)).toEqual([host.id]);
  });

  it('should refuse to join an ended session', async () => {
    const host = await registerUser();
    const session = await createSession(host);
    await env.DB.prepare("UPDATE coworking_sessions SET phase = 'ended', ended_at = ?1 WHERE id = ?2")
      .bind(Date.now(), session.id)
      .run();
    const user = await registerUser();
    await expectProblem(await join(user, session.id, { remote: true }), 409, 'session_ended');
    expect((await passes(user)).balance).toBe(3);
  });
});

describe('POST /api/coworking/sessions/:id/leave', () => {
  it('should keep the seat of someone who left, so rejoining is free', async () => {
    const host = await registerUser();
    const session = await createSession(host, { capacity: 1 });
    const user = await registerUser();
    expect((await join(user, session.id, { remote: true })).status).toBe(201);
    const leave = await call(`/api/coworking/sessions/${session.id}/leave`, {
      method: 'POST',
      token: user.accessToken,
    });
    expect(leave.status).toBe(204);
    expect((await details(host, session.id)).participants.find((p) => p.userId === user.id)?.leftAt).not.toBeNull();
    await expectProblem(await join(await registerUser(), session.id, { remote: true }), 409, 'session_full');
    const back = await join(user, session.id, { remote: true });
    expect(back.status).toBe(200);
    expect(((await back.json()) as { participation: Participation }).participation.leftAt).toBeNull();
    expect((await passes(user)).balance).toBe(2);
  });

  it('should refuse the host (409) and someone who is not in (404)', async () => {
    const host = await registerUser();
    const session = await createSession(host);
    const leave = (user: TestUser) =>
      call(`/api/coworking/sessions/${session.id}/leave`, { method: 'POST', token: user.accessToken });
    const problem = await expectProblem(await leave(host), 409, 'conflict');
    expect(problem.detail).toMatch(/hand .*over|end/);
    await expectProblem(await leave(await registerUser()), 404, 'not_found');
  });
});

describe('GET /api/coworking/sessions and /code/:shareCode', () => {
  it('should list what I host and joined, newest first, in pages', async () => {
    const me = await registerUser();
    const other = await registerUser();
    const hosted = await createSession(me);
    const joined = await createSession(other);
    await createSession(other);
    expect((await join(me, joined.id, { remote: true })).status).toBe(201);
    const first = await call('/api/coworking/sessions?limit=1', { token: me.accessToken });
    const page = (await first.json()) as { items: Session[]; nextCursor: string | null };
    expect(page.items.map((s) => s.id)).toEqual([joined.id]);
    const second = await call(`/api/coworking/sessions?limit=1&cursor=${page.nextCursor}`, { token: me.accessToken });
    const next = (await second.json()) as { items: Session[]; nextCursor: string | null };
    expect(next).toEqual({ items: [expect.objectContaining({ id: hosted.id })], nextCursor: null });
  });

  it('should open a private session by its code in any case, and throttle guessing', async () => {
    const host = await registerUser();
    const session = await createSession(host, { visibility: 'private', title: 'Quiet corner' });
    const user = await registerUser();
    const res = await call(`/api/coworking/sessions/code/${session.shareCode.toLowerCase()}`, {
      token: user.accessToken,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Details).session).toMatchObject({ id: session.id, title: 'Quiet corner' });
    await expectProblem(
      await call('/api/coworking/sessions/code/ZZZZZZZZ', { token: user.accessToken }),
      404,
      'not_found',
    );
    const guesses = await Promise.all(
      Array.from({ length: 30 }, () => call('/api/coworking/sessions/code/ZZZZZZZZ', { token: user.accessToken })),
    );
    expect(guesses.filter((r) => r.status === 429).length).toBe(2);
    const refused = await call(`/api/coworking/sessions/code/${session.shareCode}`, { token: user.accessToken });
    await expectProblem(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Someone else's look-ups are their own.
    const fresh = await call(`/api/coworking/sessions/code/${session.shareCode}`, {
      token: (await registerUser()).accessToken,
    });
    expect(fresh.status).toBe(200);
  });
});

describe('GET /api/coworking/sessions/nearby', () => {
  const nearby = async (user: TestUser, query: string) => {
    const res = await call(`/api/coworking/sessions/nearby?${query}`, { token: user.accessToken });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: (Session & { distanceMeters: number })[] }).items;
  };

  it('should list public sessions not ended within the radius, nearest first, with the distance', async () => {
    const host = await registerUser();
    const place = somewhere();
    const close = await createSession(host, { location: north(place, 20) });
    const closer = await createSession(host, { location: north(place, 5) });
    const away = await createSession(host, { location: north(place, 80) });
    await createSession(host, { location: north(place, 10), visibility: 'private' });
    const ended = await createSession(host, { location: north(place, 10) });
    await env.DB.prepare("UPDATE coworking_sessions SET phase = 'ended' WHERE id = ?1").bind(ended.id).run();
    const items = await nearby(host, `lat=${place.lat}&lng=${place.lng}`);
    expect(items.map((s) => s.id)).toEqual([closer.id, close.id]);
    expect(items[0]?.distanceMeters).toBeCloseTo(5, 0);
    expect(items[1]?.distanceMeters).toBeCloseTo(20, 0);
    const wider = await nearby(host, `lat=${place.lat}&lng=${place.lng}&radius=100`);
    expect(wider.map((s) => s.id)).toEqual([closer.id, close.id, away.id]);
  });

  it('should refuse a radius above 5 km or below 1 m, and coordinates off the globe', async () => {
    const user = await registerUser();
    for (const query of ['lat=0&lng=0&radius=5001', 'lat=0&lng=0&radius=0', 'lat=91&lng=0', 'lat=0&lng=181', 'lat=0']) {
      await expectProblem(
        await call(`/api/coworking/sessions/nearby?${query}`, { token: user.accessToken }),
        400,
        'validation_failed',
      );
    }
    expect(await nearby(user, 'lat=0&lng=0&radius=5000')).toEqual(expect.any(Array));
  });

  it('should find a session across the ±180° meridian', async () => {
    const host = await registerUser();
    const lat = somewhere().lat;
    const session = await createSession(host, { location: { lat, lng: 179.9995 } });
    const ids = async (query: string) => (await nearby(host, query)).map((s) => s.id);
    expect(await ids(`lat=${lat}&lng=-179.9995&radius=200`)).toContain(session.id);
    expect(await ids(`lat=${lat}&lng=-179.9995&radius=50`)).not.toContain(session.id);
    const west = await createSession(host, { location: { lat, lng: -179.9995 } });
    expect(await ids(`lat=${lat}&lng=179.9995&radius=200`)).toEqual(expect.arrayContaining([session.id, west.id]));
  });

  it('should find a session across a pole, whatever the longitude', async () => {
    const host = await registerUser();
    const session = await createSession(host, { location: { lat: 89.9999, lng: 10 } });
    const found = await nearby(host, 'lat=89.9999&lng=-170&radius=50');
    expect(found.find((s) => s.id === session.id)?.distanceMeters).toBeCloseTo(22.2, 0);
    const south = await createSession(host, { location: { lat: -89.9999, lng: 100 } });
    expect((await nearby(host, 'lat=-89.9999&lng=-80&radius=50')).map((s) => s.id)).toContain(south.id);
  });

  it.each([
    ['one longitude range', { lat: 48.85, lng: 2.35 }, 5000],
    ['two ranges across the meridian', { lat: 0, lng: 179.9995 }, 200],
    ['every longitude at a pole', { lat: 89.9999, lng: 0 }, 50],
  ])('should read the partial index (%s)', async (_label, center, radius) => {
    const query = nearbyCandidates(createDb(env.DB), center, radius).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const plan = results.map((row) => row.detail).join('\n');
    expect(plan).toMatch(/USING INDEX coworking_sessions_nearby_idx \(lat>\? AND lat<\?\)/);
    expect(plan).not.toMatch(/SCAN coworking_sessions/);
  });
});

describe('POST /api/coworking/sessions/:id/invites', () => {
  it('should send each invited account the link, skip unknown ids and count what went out', async () => {
    const host = await registerUser({ name: 'Hana' });
    const session = await createSession(host, { title: 'Morning sprint' });
    const guest = await registerUser();
    const res = await call(`/api/coworking/sessions/${session.id}/invites`, {
      token: host.accessToken,
      body: { userIds: [guest.id, 'no-such-user', guest.id] },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ invited: 1 });
    const message = await waitForMessage(guest.email, /Morning sprint/);
    expect(message.channel).toBe('email');
    expect(message.body).toContain(`http://localhost:8787/c/${session.shareCode}`);
    expect(message.body).toContain('Hana');
    expect((await details(host, session.id)).session.invitesSent).toBe(1);
  });

  it('should let only the host invite (403), and hide a private session (404)', async () => {
    const host = await registerUser();
    const session = await createSession(host);
    const secret = await createSession(host, { visibility: 'private' });
    const user = await registerUser();
    const invite = (id: string) =>
      call(`/api/coworking/sessions/${id}/invites`, { token: user.accessToken, body: { userIds: [host.id] } });
    await expectProblem(await invite(session.id), 403, 'forbidden');
    await expectProblem(await invite(secret.id), 404, 'not_found');
    await expectProblem(
      await call(`/api/coworking/sessions/${session.id}/invites`, { token: host.accessToken, body: { userIds: [] } }),
      400,
      'validation_failed',
    );
  });
});

describe('GET /api/coworking/sessions/:id/calendar.ics', () => {
  /** Unfolds and splits an iCalendar text into its properties, checking the line rules on the way. */
  function parse(text: string): Map<string, string> {
    expect(text.endsWith('\r\n')).toBe(true);
    const physical = text.slice(0, -2).split('\r\n');
    for (const line of physical) {
      expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
      expect(line).not.toMatch(/[\r\n]/);
    }
    const logical = physical.join('\r\n').replaceAll('\r\n ', '').split('\r\n');
    expect(logical[0]).toBe('BEGIN:VCALENDAR');
    expect(logical.at(-1)).toBe('END:VCALENDAR');
    expect(logical).toContain('BEGIN:VEVENT');
    expect(logical).toContain('END:VEVENT');
    return new Map(logical.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));
  }

  it('should give a valid event with the times in UTC, the link, the place and escaped text', async () => {
    const host = await registerUser();
    const startsAt = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const session = await createSession(host, {
      title: 'Write; edit, ship',
      durationMinutes: 90,
      startsAt: startsAt.toISOString(),
      location: { lat: 48.8566, lng: 2.3522 },
      plan: `Chapter two\n${'a long plan line '.repeat(10)}`,
    });
    const res = await call(`/api/coworking/sessions/${session.id}/calendar.ics`, { token: host.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const props = parse(await res.text());
    const utc = (date: Date) =>
      date
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/[-:]/g, '');
    expect(props.get('DTSTART')).toBe(utc(startsAt));
    expect(props.get('DTEND')).toBe(utc(new Date(startsAt.getTime() + 90 * 60_000)));
    expect(props.get('DTSTAMP')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(props.get('UID')).toBe(`${session.id}@localhost`);
    expect(props.get('SUMMARY')).toBe('Write\\; edit\\, ship');
    expect(props.get('DESCRIPTION')).toMatch(/^Chapter two\\na long plan line/);
    expect(props.get('DESCRIPTION')).toContain(`http://localhost:8787/c/${session.shareCode}`);
    expect(props.get('URL')).toBe(`http://localhost:8787/c/${session.shareCode}`);
    expect(props.get('GEO')).toBe('48.856600;2.352200');
  });

  it('should hide a private session from others', async () => {
    const host = await registerUser();
    const session = await createSession(host, { visibility: 'private' });
    const res = await call(`/api/coworking/sessions/${session.id}/calendar.ics`, {
      token: (await registerUser()).accessToken,
    });
    await expectProblem(res, 404, 'not_found');
  });
});

describe('remote passes', () => {
  it('should start an account with REMOTE_PASSES_INITIAL passes and an initial ledger entry', async () => {
    const user = await registerUser();
    const first = await passes(user);
    expect(first).toEqual({ balance: 3, ledger: [expect.objectContaining({ reason: 'initial', delta: 3 })] });
    expect(await passes(user)).toEqual(first);
  });

  it('should let an admin grant passes, written to the ledger with the actor and audited', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const user = await registerUser();
    const grant = (token: string, body: unknown) =>
      call(`/api/admin/users/${user.id}`, { method: 'PATCH', token, body });
    await expectProblem(await grant(user.accessToken, { grantRemotePasses: 5 }), 403, 'forbidden');
    await expectProblem(await grant(admin.accessToken, { grantRemotePasses: 101 }), 400, 'validation_failed');
    await expectProblem(await grant(admin.accessToken, { grantRemotePasses: 0 }), 400, 'validation_failed');
    expect((await grant(admin.accessToken, { grantRemotePasses: 5 })).status).toBe(200);
    const after = await passes(user);
    expect(after.balance).toBe(8);
    expect(after.ledger).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'initial', delta: 3, actorId: null }),
        expect.objectContaining({ reason: 'grant', delta: 5, actorId: admin.id }),
      ]),
    );
    const audit = await env.DB.prepare(
      "SELECT details FROM audit_log WHERE target_id = ?1 AND action = 'admin.remote_pass_grant'",
    )
      .bind(user.id)
      .first<{ details: string }>();
    expect(JSON.parse(audit?.details ?? 'null')).toEqual({ granted: 5, balance: 8 });
  });
});

describe('account export and deletion', () => {
  it('should export the sessions hosted, the participations and the pass ledger', async () => {
    const user = await registerUser();
    const host = await registerUser();
    const mine = await createSession(user, { title: 'My session', location: { lat: 1, lng: 2 } });
    const theirs = await createSession(host);
    expect((await join(user, theirs.id, { remote: true })).status).toBe(201);
    const res = await call('/api/users/me/export', { token: user.accessToken });
    expect(res.status).toBe(200);
    const data = (await res.json()) as Record<string, Record<string, unknown>[]>;
    expect(data.coworkingSessions).toEqual([
      expect.objectContaining({ id: mine.id, title: 'My session', shareCode: mine.shareCode, lat: 1, lng: 2 }),
    ]);
    expect(data.coworkingParticipations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sessionId: mine.id, mode: 'host' }),
        expect.objectContaining({ sessionId: theirs.id, mode: 'remote' }),
      ]),
    );
    expect(data.remotePassLedger).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'initial', delta: 3 }),
        expect.objectContaining({ reason: 'spend', delta: -1, sessionId: theirs.id }),
      ]),
    );
  });

  it('should delete an account’s sessions, seats and passes with it', async () => {
    const user = await registerUser();
    const host = await registerUser();
    const mine = await createSession(user);
    const theirs = await createSession(host);
    expect((await join(user, theirs.id, { remote: true })).status).toBe(201);
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(res.status).toBe(204);
    const count = async (sql: string, ...params: string[]) =>
      (
        await env.DB.prepare(sql)
          .bind(...params)
          .first<{ n: number }>()
      )?.n;
    expect(await count('SELECT count(*) AS n FROM coworking_sessions WHERE id = ?1', mine.id)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM coworking_participants WHERE user_id = ?1', user.id)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM remote_passes WHERE user_id = ?1', user.id)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM remote_pass_ledger WHERE user_id = ?1', user.id)).toBe(0);
    expect((await details(host, theirs.id)).seatsTaken).toBe(0);
  });
});
