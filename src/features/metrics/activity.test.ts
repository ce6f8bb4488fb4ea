import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call, registerUser, type TestUser, uploadFileOk } from '../../../test/worker/helpers';
import { connect, createRoom } from '../../../test/worker/sockets';
import { createDb } from '../../db/client';
import { sprints, userActivityDays } from '../../db/schema';
import { ActivityMemory, utcDay } from './activity';

const db = createDb(env.DB);

const activeDays = (userId: string) =>
  db
    .select({ day: userActivityDays.day, kind: userActivityDays.firstKind })
    .from(userActivityDays)
    .where(eq(userActivityDays.userId, userId));

const forget = (userId: string) => db.delete(userActivityDays).where(eq(userActivityDays.userId, userId));

async function soloSprint(user: TestUser, minutesAgo: number) {
  const res = await call('/api/sprints/solo', { token: user.accessToken, body: { durationMinutes: 50 } });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await db
    .update(sprints)
    .set({ startedAt: new Date(Date.now() - minutesAgo * 60_000) })
    .where(eq(sprints.id, id));
  return id;
}

describe('activity days', () => {
  it('should mark the day active when a sprint is credited, and not when nothing is', async () => {
    const ada = await registerUser();
    const id = await soloSprint(ada, 30);
    expect((await call(`/api/sprints/${id}/complete`, { token: ada.accessToken, body: {} })).status).toBe(200);
    expect(await activeDays(ada.id)).toEqual([{ day: utcDay(Date.now()), kind: 'sprint' }]);
    // What the metrics count about someone is theirs to download too.
    const exported = (await (await call('/api/users/me/export', { token: ada.accessToken })).json()) as {
      activityDays: { day: string; firstKind: string }[];
    };
    expect(exported.activityDays).toEqual([{ day: utcDay(Date.now()), firstKind: 'sprint' }]);

    const bob = await registerUser();
    const quick = await soloSprint(bob, 0);
    expect((await call(`/api/sprints/${quick}/complete`, { token: bob.accessToken, body: {} })).status).toBe(200);
    const abandoned = await soloSprint(bob, 30);
    expect((await call(`/api/sprints/${abandoned}/abandon`, { token: bob.accessToken, body: {} })).status).toBe(200);
    expect(await activeDays(bob.id)).toEqual([]);
  });

  it('should mark an upload once per day in this isolate, without writing again', async () => {
    const ada = await registerUser();
    await uploadFileOk(ada.accessToken, 'first');
    expect(await activeDays(ada.id)).toEqual([{ day: utcDay(Date.now()), kind: 'file' }]);
    // The isolate remembers it wrote today's row: a second upload does not touch the table.
    await forget(ada.id);
    await uploadFileOk(ada.accessToken, 'second');
    expect(await activeDays(ada.id)).toEqual([]);
  });

  it('should mark a chat message from the room object, once per sender and day', async () => {
    const ada = await registerUser({ name: 'Ada' });
    const room = await createRoom(ada);
    const { socket } = await connect(ada, room.id);
    socket.send({ type: 'send', clientId: 'c1', text: 'hello' });
    await socket.next('ack');
    await expect.poll(() => activeDays(ada.id)).toEqual([{ day: utcDay(Date.now()), kind: 'message' }]);
    await forget(ada.id);
    socket.send({ type: 'send', clientId: 'c2', text: 'again' });
    await socket.next('ack');
    socket.send({ type: 'send', clientId: 'c3', text: 'and again' });
    await socket.next('ack');
    // The object marks activity after the ack; give a write, if one were made, time to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await activeDays(ada.id)).toEqual([]);
    socket.close();
  });

  it('should forget everything when full, and then write at most once more', async () => {
    const users = await Promise.all([registerUser(), registerUser(), registerUser()]);
    const [a, b, c] = users.map((user) => user.id) as [string, string, string];
    const memory = new ActivityMemory(2);
    await memory.record(db, a, 'file');
    await memory.record(db, b, 'file');
    expect(memory.size).toBe(2);
    await forget(a);
    await memory.record(db, a, 'sprint');
    expect(await activeDays(a)).toEqual([]);
    await memory.record(db, c, 'message');
    expect(memory.size).toBe(1);
    await memory.record(db, a, 'sprint');
    expect(await activeDays(a)).toEqual([{ day: utcDay(Date.now()), kind: 'sprint' }]);
    // An existing row keeps its first kind.
    await new ActivityMemory().record(db, c, 'file');
    const [row] = await db
      .select({ kind: userActivityDays.firstKind })
      .from(userActivityDays)
      .where(and(eq(userActivityDays.userId, c)));
    expect(row?.kind).toBe('message');
  });
});
