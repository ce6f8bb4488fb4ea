import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, type TestUser } from '../../test/worker/helpers';
import { connect, createRoom, type Frame, openSocket, roomOf, runTasksNow, ticketFor } from '../../test/worker/sockets';
import type { ChatRoom } from './chat-room';

type PresenceFrame = Frame & { member: { userId: string; name: string; connections: number } };

const archivedSeqs = async (roomId: string) =>
  (
    await env.DB.prepare('SELECT seq FROM messages WHERE room_id = ?1 ORDER BY seq').bind(roomId).all<{ seq: number }>()
  ).results.map((r) => r.seq);

describe('room sockets: before the upgrade', () => {
  it('should refuse a foreign origin with 403 and no ticket with 401, never a 101', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { url } = await ticketFor(owner, room.id);
    const foreign = await openSocket(url, { origin: 'https://evil.example' });
    expect(foreign.res.status).toBe(403);
    const noTicket = await openSocket(url.replace(/ticket=[^&]+/, ''));
    expect(noTicket.res.status).toBe(401);
    const badTicket = await openSocket(url.replace(/ticket=[^&]+/, 'ticket=forged'));
    expect(badTicket.res.status).toBe(401);
  });

  it('should let a ticket open one socket only', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { url } = await ticketFor(owner, room.id);
    const first = await openSocket(url);
    expect(first.res.status).toBe(101);
    const second = await openSocket(url);
    expect(second.res.status).toBe(401);
    first.client?.close();
  });

  it('should give no ticket, history or membership of a private room to outsiders', async () => {
    const owner = await registerUser();
    const outsider = await registerUser();
    const room = await createRoom(owner, 'private');
    await expectProblem(
      await call(`/api/rooms/${room.id}/ticket`, { method: 'POST', token: outsider.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/messages`, { token: outsider.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/join`, { method: 'POST', token: outsider.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(await call(`/api/rooms/${room.id}`, { token: outsider.accessToken }), 404, 'not_found');
  });
});

describe('the chat protocol', () => {
  it('should welcome with identity, members and history, and deliver in order with acks', async () => {
    const ada = await registerUser({ name: 'Ada' });
    const bob = await registerUser({ name: 'Bob' });
    const room = await createRoom(ada);
    const a = await connect(ada, room.id);
    expect(a.welcome).toMatchObject({ you: { userId: ada.id, name: 'Ada' }, history: [], seq: 0 });
    const b = await connect(bob, room.id);
    expect((b.welcome.members as { userId: string }[]).map((m) => m.userId).sort()).toEqual([ada.id, bob.id].sort());
    a.socket.send({ type: 'send', clientId: 'c1', text: 'hello', author: { id: 'someone-else' } });
    const ack = await a.socket.next('ack');
    expect(ack).toMatchObject({ clientId: 'c1', seq: 1 });
    const seen = await b.socket.next('message');
    expect(seen).toMatchObject({
      id: ack.id,
      seq: 1,
      text: 'hello',
      author: { id: ada.id, name: 'Ada' },
      clientId: 'c1',
    });
    a.socket.close();
    b.socket.close();
  });

  it('should keep one order for concurrent senders, seq rising by one', async () => {
    const users = await Promise.all([1, 2, 3].map((i) => registerUser({ name: `U${i}` })));
    const room = await createRoom(users[0] as (typeof users)[number]);
    const sockets = await Promise.all(users.map((user) => connect(user, room.id)));
    const listener = sockets[0]?.socket;
    sockets.forEach(({ socket }, i) => {
      for (let n = 0; n < 5; n++) socket.send({ type: 'send', clientId: `u${i}-${n}`, text: `m${i}-${n}` });
    });
    await Promise.all(
      sockets.map(async ({ socket }) => {
        for (let n = 0; n < 5; n++) await socket.next('ack');
      }),
    );
    const received: Frame[] = [];
    for (let n = 0; n < 15; n++) received.push(await (listener as NonNullable<typeof listener>).next('message'));
    expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (let i = 0; i < 3; i++) {
      const mine = received.filter((m) => String(m.clientId).startsWith(`u${i}-`)).map((m) => m.clientId);
      expect(mine).toEqual([0, 1, 2, 3, 4].map((n) => `u${i}-${n}`));
    }
    for (const { socket } of sockets) socket.close();
  });

  it('should store a resend with the same clientId once and ack it with the first id', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    socket.send({ type: 'send', clientId: 'same', text: 'once' });
    const first = await socket.next('ack');
    socket.send({ type: 'send', clientId: 'same', text: 'once' });
    const again = await socket.next('ack');
    expect(again).toEqual(first);
    socket.send({ type: 'send', clientId: 'other', text: 'twice' });
    expect((await socket.next('ack')).seq).toBe(2);
    const history = (await (await call(`/api/rooms/${room.id}/messages`, { token: user.accessToken })).json()) as {
      items: unknown[];
    };
    expect(history.items).toHaveLength(2);
    socket.close();
  });

  it('should catch a reconnecting client up with exactly what it missed', async () => {
    const ada = await registerUser();
    const bob = await registerUser();
    const room = await createRoom(ada);
    const a = await connect(ada, room.id);
    for (let n = 1; n <= 3; n++) {
      a.socket.send({ type: 'send', clientId: `x${n}`, text: `before ${n}` });
      await a.socket.next('ack');
    }
    const b = await connect(bob, room.id);
    b.socket.close();
    for (let n = 4; n <= 6; n++) {
      a.socket.send({ type: 'send', clientId: `x${n}`, text: `missed ${n}` });
      await a.socket.next('ack');
    }
    const again = await connect(bob, room.id, 3);
    expect((again.welcome.history as { seq: number; text: string }[]).map((m) => [m.seq, m.text])).toEqual([
      [4, 'missed 4'],
      [5, 'missed 5'],
      [6, 'missed 6'],
    ]);
    expect(again.welcome.seq).toBe(6);
    a.socket.close();
    again.socket.close();
  });

  it('should replay edits and deletions of already-seen messages on catch-up', async () => {
    const ada = await registerUser();
    const bob = await registerUser();
    const room = await createRoom(ada);
    const a = await connect(ada, room.id);
    a.socket.send({ type: 'send', clientId: 'one', text: 'first' });
    const first = await a.socket.next('ack');
    a.socket.send({ type: 'send', clientId: 'two', text: 'second' });
    const second = await a.socket.next('ack');
    const b = await connect(bob, room.id);
    b.socket.close();
    a.socket.send({ type: 'edit', messageId: first.id, text: 'first, edited' });
    await a.socket.next('edited');
    a.socket.send({ type: 'delete', messageId: second.id });
    await a.socket.next('deleted');
    a.socket.send({ type: 'send', clientId: 'three', text: 'third' });
    await a.socket.next('ack');
    const again = await connect(bob, room.id, 2);
    expect((again.welcome.history as { text: string }[]).map((m) => m.text)).toEqual(['third']);
    expect(await again.socket.next('edited')).toMatchObject({ id: first.id, text: 'first, edited' });
    expect(await again.socket.next('deleted')).toMatchObject({ id: second.id, seq: 2 });
    a.socket.close();
    again.socket.close();
  });

  it('should show typing to others, throttled, with an expiry, and stop it', async () => {
    const ada = await registerUser({ name: 'Ada' });
    const bob = await registerUser();
    const room = await createRoom(ada);
    const a = await connect(ada, room.id);
    const b = await connect(bob, room.id);
    a.socket.send({ type: 'typing' });
    a.socket.send({ type: 'typing' });
    const typing = await b.socket.next('typing');
    expect(typing).toMatchObject({ userId: ada.id, name: 'Ada' });
    expect(Date.parse(String(typing.expiresAt)) - Date.now()).toBeLessThanOrEqual(5000);
    a.socket.send({ type: 'stop-typing' });
    await b.socket.next('stop-typing');
    expect(b.socket.of('typing')).toHaveLength(1);
    expect(a.socket.of('typing')).toHaveLength(0);
    a.socket.close();
    b.socket.close();
  });

  it('should count several tabs of one user as one member with several connections', async () => {
    const ada = await registerUser();
    const room = await createRoom(ada);
    const one = await connect(ada, room.id);
    const two = await connect(ada, room.id);
    expect(two.welcome.members).toEqual([expect.objectContaining({ userId: ada.id, connections: 2 })]);
    const opened = await one.socket.next<PresenceFrame>('presence');
    expect(opened.member).toEqual(expect.objectContaining({ userId: ada.id, connections: 2 }));
    two.socket.send({ type: 'leave' });
    expect((await two.socket.closed).code).toBe(1000);
    const closed = await one.socket.next<PresenceFrame>('presence');
    expect(closed.member).toEqual(expect.objectContaining({ userId: ada.id, connections: 1 }));
    one.socket.close();
  });

  it('should tell others of a join or leave with one small delta, and give the newcomer the full list', async () => {
    const users = await Promise.all(['Ada', 'Bob', 'Cy', 'Di'].map((name) => registerUser({ name })));
    const [ada, bob, cy, di] = users as [TestUser, TestUser, TestUser, TestUser];
    const room = await createRoom(ada);
    const a = await connect(ada, room.id);
    const b = await connect(bob, room.id);
    const c = await connect(cy, room.id);
    expect((c.welcome.members as { name: string }[]).map((m) => m.name)).toEqual(['Ada', 'Bob', 'Cy']);
    const d = await connect(di, room.id);
    expect((d.welcome.members as { name: string }[]).map((m) => m.name)).toEqual(['Ada', 'Bob', 'Cy', 'Di']);
    // Ada heard Bob, Cy and Di arrive: one delta each, never the whole list, and not her own arrival.
    await expect.poll(() => a.socket.of('presence').length).toBe(3);
    expect(a.socket.of('presence').map((f) => (f as PresenceFrame).member.name)).toEqual(['Bob', 'Cy', 'Di']);
    expect(a.socket.of('presence').every((f) => !('members' in f))).toBe(true);
    expect(d.socket.of('presence')).toHaveLength(0);

    b.socket.close();
    const left = await d.socket.next<PresenceFrame>('presence');
    expect(left.member).toEqual({ userId: bob.id, name: 'Bob', connections: 0 });
    for (const s of [a, c, d]) s.socket.close();
  });

  it('should let authors edit within 15 minutes and delete, telling everyone', async () => {
    const ada = await registerUser();
    const bob = await registerUser();
    const room = await createRoom(ada);
    const a = await connect(ada, room.id);
    const b = await connect(bob, room.id);
    b.socket.send({ type: 'send', clientId: 'b1', text: 'tpyo' });
    const ack = await b.socket.next('ack');
    b.socket.send({ type: 'edit', messageId: ack.id, text: 'typo' });
    expect(await a.socket.next('edited')).toMatchObject({ id: ack.id, text: 'typo' });
    a.socket.send({ type: 'edit', messageId: ack.id, text: 'hijack' });
    expect(await a.socket.next('error')).toMatchObject({ code: 'forbidden' });
    await runInDurableObject(roomOf(room.id), (_instance: ChatRoom, state) => {
      state.storage.sql.exec('UPDATE messages SET sent_at = sent_at - 16 * 60 * 1000 WHERE id = ?', ack.id);
    });
    b.socket.send({ type: 'edit', messageId: ack.id, text: 'too late' });
    expect(await b.socket.next('error')).toMatchObject({ code: 'forbidden' });
    // The room owner may delete anyone's message.
    a.socket.send({ type: 'delete', messageId: ack.id });
    expect(await b.socket.next('deleted')).toMatchObject({ id: ack.id, seq: ack.seq });
    a.socket.close();
    b.socket.close();
  });

  it('should let only the author, owner or an admin delete over REST', async () => {
    const owner = await registerUser();
    const author = await registerUser();
    const other = await registerUser();
    const room = await createRoom(owner);
    await call(`/api/rooms/${room.id}/join`, { method: 'POST', token: other.accessToken });
    const { socket } = await connect(author, room.id);
    socket.send({ type: 'send', clientId: 'm', text: 'mine' });
    const ack = await socket.next('ack');
    const path = `/api/rooms/${room.id}/messages/${ack.id}`;
    await expectProblem(await call(path, { method: 'DELETE', token: other.accessToken }), 403, 'forbidden');
    expect((await call(path, { method: 'DELETE', token: author.accessToken })).status).toBe(204);
    expect(await socket.next('deleted')).toMatchObject({ id: ack.id });
    await expectProblem(await call(path, { method: 'DELETE', token: owner.accessToken }), 404, 'not_found');
    socket.close();
  });
});

describe('limits', () => {
  it('should refuse text over 4,000 characters with an error and keep the socket', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    socket.send({ type: 'send', clientId: 'long', text: 'x'.repeat(4001) });
    expect(await socket.next('error')).toMatchObject({ code: 'validation_failed' });
    socket.send({ type: 'send', clientId: 'ok', text: 'x'.repeat(4000) });
    expect((await socket.next('ack')).seq).toBe(1);
    socket.close();
  });

  it('should close a frame over 64 KiB with 1009', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    socket.send({ type: 'send', clientId: 'huge', text: 'x'.repeat(70 * 1024) });
    expect((await socket.closed).code).toBe(1009);
  });

  it('should close non-JSON and unknown frames with 1007 and binary with 1003', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const one = await connect(user, room.id);
    one.socket.send('not json');
    expect((await one.socket.closed).code).toBe(1007);
    const two = await connect(user, room.id);
    two.socket.send({ type: 'shout' });
    expect((await two.socket.closed).code).toBe(1007);
    const three = await connect(user, room.id);
    three.socket.ws.send(new Uint8Array([1, 2, 3]));
    expect((await three.socket.closed).code).toBe(1003);
  });

  it('should answer a flood with rate_limited, close a persistent flooder with 1008, and spare the others', async () => {
    const flooder = await registerUser();
    const calm = await registerUser();
    const room = await createRoom(flooder);
    const f = await connect(flooder, room.id);
    const c = await connect(calm, room.id);
    for (let n = 0; n < 40; n++) f.socket.send({ type: 'typing' });
    expect(await f.socket.next('error')).toMatchObject({ code: 'rate_limited' });
    expect((await f.socket.closed).code).toBe(1008);
    c.socket.send({ type: 'send', clientId: 'still here', text: 'hi' });
    expect((await c.socket.next('ack')).seq).toBe(1);
    c.socket.close();
  });

  it('should answer pings without a handler', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    socket.send({ type: 'ping' });
    expect(await socket.next('pong')).toEqual({ type: 'pong' });
    socket.close();
  });
});

describe('durability', () => {
  it('should keep identities and history across eviction and hibernation', async () => {
    const ada = await registerUser({ name: 'Ada' });
    const room = await createRoom(ada);
    const { socket } = await connect(ada, room.id);
    socket.send({ type: 'send', clientId: 'before', text: 'before eviction' });
    await socket.next('ack');
    await socket.next('message');
    await evictDurableObject(roomOf(room.id));
    socket.send({ type: 'send', clientId: 'after', text: 'after eviction' });
    const ack = await socket.next('ack');
    expect(ack.seq).toBe(2);
    const message = await socket.next('message');
    expect(message).toMatchObject({ author: { id: ada.id, name: 'Ada' }, text: 'after eviction' });
    socket.close();
  });

  it('should archive every message to D1 in batches', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    // 20 rows, two statements: each binds at most 11 rows under D1's 100-parameter cap.
    for (let n = 1; n <= 20; n++) socket.send({ type: 'send', clientId: `a${n}`, text: `archived ${n}` });
    for (let n = 1; n <= 20; n++) await socket.next('ack');
    // The room's own alarm archives about a second after the last change.
    await expect
      .poll(() => archivedSeqs(room.id), { timeout: 10_000, interval: 200 })
      .toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const { results } = await env.DB.prepare('SELECT seq, text FROM messages WHERE room_id = ?1 ORDER BY seq')
      .bind(room.id)
      .all<{ seq: number; text: string }>();
    expect(results[19]?.text).toBe('archived 20');
    socket.close();
  });

  it('should keep messages until the archive succeeds, and then archive them', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    // A real failure: the archive table is missing while the message is sent and archived.
    await env.DB.exec('ALTER TABLE messages RENAME TO messages_away');
    try {
      socket.send({ type: 'send', clientId: 'kept', text: 'kept through a failure' });
      await socket.next('ack');
      await runTasksNow(room.id);
      const pending = await runInDurableObject(roomOf(room.id), (_instance: ChatRoom, state) => ({
        unarchived: state.storage.sql.exec('SELECT count(*) AS n FROM messages WHERE archived_version < version').one()
          .n,
        retry: state.storage.sql.exec("SELECT count(*) AS n FROM room_tasks WHERE name = 'archive'").one().n,
      }));
      expect(pending).toEqual({ unarchived: 1, retry: 1 });
    } finally {
      await env.DB.exec('ALTER TABLE messages_away RENAME TO messages');
    }
    // The retry is 30 s away; run the room's tasks until D1 has the message.
    await expect
      .poll(
        async () => {
          await runTasksNow(room.id);
          return archivedSeqs(room.id);
        },
        { timeout: 10_000, interval: 200 },
      )
      .toEqual([1]);
    socket.close();
  });

  it('should close sockets of a revoked session or a removed member on the liveness check', async () => {
    const owner = await registerUser();
    const member = await registerUser();
    const room = await createRoom(owner);
    const m = await connect(member, room.id);
    const o = await connect(owner, room.id);
    await call('/api/auth/logout', { method: 'POST', token: owner.accessToken });
    await runTasksNow(room.id);
    expect((await o.socket.closed).code).toBe(1008);
    // Leaving closes the member's sockets at once.
    expect((await call(`/api/rooms/${room.id}/leave`, { method: 'POST', token: member.accessToken })).status).toBe(204);
    expect((await m.socket.closed).code).toBe(1008);
  });
});

describe('the rooms API', () => {
  it('should create, list, rename and delete rooms with owner rights', async () => {
    const owner = await registerUser();
    const other = await registerUser();
    const open = await createRoom(owner, 'public', 'Open');
    const hidden = await createRoom(owner, 'private', 'Hidden');
    const seen = (await (await call('/api/rooms', { token: other.accessToken })).json()) as { items: { id: string }[] };
    expect(seen.items.map((r) => r.id)).toContain(open.id);
    expect(seen.items.map((r) => r.id)).not.toContain(hidden.id);
    await expectProblem(
      await call(`/api/rooms/${open.id}`, { method: 'PATCH', body: { name: 'Mine' }, token: other.accessToken }),
      403,
      'forbidden',
    );
    const renamed = await call(`/api/rooms/${open.id}`, {
      method: 'PATCH',
      body: { name: 'Renamed' },
      token: owner.accessToken,
    });
    expect(await renamed.json()).toMatchObject({ name: 'Renamed', role: 'owner' });
    await expectProblem(
      await call(`/api/rooms/${open.id}`, { method: 'DELETE', token: other.accessToken }),
      403,
      'forbidden',
    );
    expect((await call(`/api/rooms/${open.id}`, { method: 'DELETE', token: owner.accessToken })).status).toBe(204);
    await expectProblem(await call(`/api/rooms/${open.id}`, { token: owner.accessToken }), 404, 'not_found');
  });

  it('should let the owner add members to a private room, and members page history newest first', async () => {
    const owner = await registerUser();
    const friend = await registerUser();
    const room = await createRoom(owner, 'private');
    await expectProblem(
      await call(`/api/rooms/${room.id}/members`, { body: { userId: 'nobody' }, token: owner.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/members`, { body: { userId: friend.id }, token: friend.accessToken }),
      404,
      'not_found',
    );
    expect(
      (await call(`/api/rooms/${room.id}/members`, { body: { userId: friend.id }, token: owner.accessToken })).status,
    ).toBe(201);
    const { socket } = await connect(friend, room.id);
    for (let n = 1; n <= 5; n++) {
      socket.send({ type: 'send', clientId: `h${n}`, text: `m${n}` });
      await socket.next('ack');
    }
    const page1 = (await (
      await call(`/api/rooms/${room.id}/messages?limit=2`, { token: owner.accessToken })
    ).json()) as {
      items: { seq: number }[];
      nextCursor: string;
    };
    expect(page1.items.map((m) => m.seq)).toEqual([5, 4]);
    const page2 = (await (
      await call(`/api/rooms/${room.id}/messages?limit=2&before=${page1.nextCursor}`, { token: owner.accessToken })
    ).json()) as {
      items: { seq: number }[];
    };
    expect(page2.items.map((m) => m.seq)).toEqual([3, 2]);
    await expectProblem(
      await call(`/api/rooms/${room.id}/leave`, { method: 'POST', token: owner.accessToken }),
      409,
      'conflict',
    );
    socket.close();
  });

  it('should refuse bad room input', async () => {
    const owner = await registerUser();
    await expectProblem(
      await call('/api/rooms', { body: { name: '', visibility: 'public' }, token: owner.accessToken }),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/api/rooms', { body: { name: 'x', visibility: 'secret' }, token: owner.accessToken }),
      400,
      'validation_failed',
    );
    await expectProblem(await call('/api/rooms', { body: { name: 'x', visibility: 'public' } }), 401, 'unauthorized');
  });
});

describe('blocks on every path a frame takes', () => {
  const blockCall = (user: TestUser, other: TestUser, method: 'POST' | 'DELETE') =>
    call(`/api/users/${other.id}/block`, { method, token: user.accessToken });
  /** Frames from or about `userId`'s messages, reactions and typing. */
  const fromUser = (socket: { frames: Frame[] }, userId: string, ids: ReadonlySet<string>) =>
    socket.frames.filter(
      (frame) =>
        (frame.type === 'message' && (frame.author as { id: string }).id === userId) ||
        (['typing', 'stop-typing', 'reaction'].includes(frame.type) && frame.userId === userId) ||
        (['edited', 'deleted'].includes(frame.type) && ids.has(frame.id as string)),
    );

  it('should keep a blocked author’s messages, edits, deletions, reactions and typing out of live frames, welcome and since= replay, until unblocked', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const cat = await registerUser({ name: 'Cat' });
    const room = await createRoom(cat);
    const b = await connect(bob, room.id);
    const c = await connect(cat, room.id);
    let a = await connect(ann, room.id);
    const bobs = new Set<string>();
    const say = async (text: string) => {
      b.socket.send({ type: 'send', clientId: text, text });
      const ack = await b.socket.next<Frame & { id: string; seq: number }>('ack');
      bobs.add(ack.id);
      return ack;
    };

    // Ann saw Bob's first message, then went away and blocked him.
    const older = await say('seen before the block');
    a.socket.send({ type: 'send', clientId: 'ann-1', text: 'hi' });
    const ann1 = await a.socket.next<Frame & { seq: number }>('ack');
    await expect.poll(() => c.socket.of('message').length).toBe(2);
    a.socket.close();
    expect((await blockCall(ann, bob, 'POST')).status).toBe(204);

    // While she is away Bob edits the message she saw, writes and deletes another, and says one more thing.
    b.socket.send({ type: 'edit', messageId: older.id, text: 'edited after the block' });
    await b.socket.next('edited');
    const gone = await say('soon deleted');
    b.socket.send({ type: 'delete', messageId: gone.id });
    await b.socket.next('deleted');
    await say('missed while away');
    c.socket.send({ type: 'send', clientId: 'cat-1', text: 'from cat' });
    await c.socket.next('ack');

    // Her reconnect: Cat's message only, no edit or deletion of Bob's.
    a = await connect(ann, room.id, ann1.seq);
    expect((a.welcome.history as { text: string }[]).map((message) => message.text)).toEqual(['from cat']);
    // A full welcome (no since) leaves Bob out as well.
    const fresh = await connect(ann, room.id);
    expect((fresh.welcome.history as { author: { id: string } }[]).every((m) => m.author.id !== bob.id)).toBe(true);
    fresh.socket.close();

    // Live: Bob's message, typing, reaction, edit and deletion (his own, and the owner's of his) reach Cat only.
    const live = await say('live after the block');
    b.socket.send({ type: 'typing' });
    b.socket.send({ type: 'react', emoji: '👍' });
    b.socket.send({ type: 'edit', messageId: live.id, text: 'live, edited' });
    const deletedByCat = await say('deleted by the owner');
    c.socket.send({ type: 'delete', messageId: deletedByCat.id });
    // Ann's own messages still come back to her, even deleted by the owner.
    a.socket.send({ type: 'send', clientId: 'ann-2', text: 'ann again' });
    const ann2 = await a.socket.next<Frame & { id: string }>('ack');
    c.socket.send({ type: 'delete', messageId: ann2.id });
    for (const type of ['typing', 'reaction', 'edited']) {
      await expect
        .poll(() => c.socket.of(type).some((frame) => frame.userId === bob.id || frame.id === live.id))
        .toBe(true);
    }
    await expect.poll(() => c.socket.of('deleted').some((frame) => frame.id === deletedByCat.id)).toBe(true);
    expect(await a.socket.next('deleted')).toMatchObject({ id: ann2.id });
    expect(fromUser(a.socket, bob.id, bobs)).toEqual([]);
    // And Bob hears nothing of Ann: the block holds both ways.
    expect(b.socket.frames.some((frame) => frame.type === 'message' && frame.text === 'ann again')).toBe(false);
    expect(b.socket.frames.some((frame) => frame.type === 'deleted' && frame.id === ann2.id)).toBe(false);
    a.socket.close();

    // Unblocked: the same catch-up carries Bob's messages and his edit of the older one; live frames reach her again.
    expect((await blockCall(ann, bob, 'DELETE')).status).toBe(204);
    a = await connect(ann, room.id, ann1.seq);
    expect((a.welcome.history as { text: string }[]).map((message) => message.text)).toEqual([
      'missed while away',
      'from cat',
      'live, edited',
    ]);
    expect(await a.socket.next('edited')).toMatchObject({ id: older.id, text: 'edited after the block' });
    b.socket.send({ type: 'react', emoji: '🎉' });
    expect(await a.socket.next('reaction')).toMatchObject({ userId: bob.id, emoji: '🎉' });
    await say('after the unblock');
    await expect.poll(() => a.socket.of('message').some((frame) => frame.text === 'after the unblock')).toBe(true);
    for (const socket of [a.socket, b.socket, c.socket]) socket.close();
  });
});
