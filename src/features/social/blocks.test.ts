import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, type TestUser } from '../../../test/worker/helpers';
import { connect, createRoom, type Frame, openSocket, roomOf, type SocketClient } from '../../../test/worker/sockets';

const blockCall = (user: TestUser, other: string, method: 'POST' | 'DELETE' = 'POST') =>
  call(`/api/users/${other}/block`, { method, token: user.accessToken });

async function block(user: TestUser, other: TestUser) {
  expect((await blockCall(user, other.id)).status).toBe(204);
}

async function friendLists(user: TestUser) {
  const res = await call('/api/friends', { token: user.accessToken });
  return (await res.json()) as Record<'friends' | 'incoming' | 'outgoing', { userId: string }[]>;
}

async function joinRoom(user: TestUser, roomId: string) {
  const res = await call(`/api/rooms/${roomId}/join`, { method: 'POST', token: user.accessToken });
  expect([200, 201]).toContain(res.status);
}

async function createSession(host: TestUser, body: Record<string, unknown> = {}) {
  const res = await call('/api/coworking/sessions', {
    token: host.accessToken,
    body: { title: 'Deep work', durationMinutes: 50, visibility: 'public', ...body },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; shareCode: string };
}

const joinRemote = (user: TestUser, sessionId: string) =>
  call(`/api/coworking/sessions/${sessionId}/join`, { token: user.accessToken, body: { remote: true } });

async function connectToSession(user: TestUser, sessionId: string) {
  const ticket = await call(`/api/coworking/sessions/${sessionId}/ticket`, { method: 'POST', token: user.accessToken });
  expect(ticket.status).toBe(200);
  const { url } = (await ticket.json()) as { url: string };
  const { res, client } = await openSocket(url);
  expect(res.status).toBe(101);
  const socket = client as SocketClient;
  await socket.next('welcome');
  return socket;
}

/** Waits until `socket` has a frame matching `match`, or fails after a while. */
async function until(socket: SocketClient, match: (frame: Frame) => boolean) {
  await expect.poll(() => socket.frames.some(match), { timeout: 5000, interval: 20 }).toBe(true);
}

const messageFrom = (userId: string, text?: string) => (frame: Frame) =>
  frame.type === 'message' &&
  (frame.author as { id: string }).id === userId &&
  (text === undefined || frame.text === text);

describe('POST/DELETE /api/users/:id/block', () => {
  it('should be idempotent and refuse yourself (400) and unknown accounts (404)', async () => {
    const ann = await registerUser();
    const bob = await registerUser({ name: 'Bob' });
    expect((await blockCall(ann, bob.id)).status).toBe(204);
    expect((await blockCall(ann, bob.id)).status).toBe(204);
    const listed = await call('/api/users/me/blocks', { token: ann.accessToken });
    expect(((await listed.json()) as { items: unknown[] }).items).toMatchObject([{ userId: bob.id, name: 'Bob' }]);
    expect((await blockCall(ann, bob.id, 'DELETE')).status).toBe(204);
    expect((await blockCall(ann, bob.id, 'DELETE')).status).toBe(204);
    const after = await call('/api/users/me/blocks', { token: ann.accessToken });
    expect(((await after.json()) as { items: unknown[] }).items).toEqual([]);
    await expectProblem(await blockCall(ann, ann.id), 400, 'bad_request');
    await expectProblem(await blockCall(ann, 'nobody-here'), 404, 'not_found');
    await expectProblem(await blockCall(ann, 'nobody-here', 'DELETE'), 404, 'not_found');
  });
});

describe('blocks and friends', () => {
  it('should answer a blocked person’s request like any other and never show it to the blocker', async () => {
    const ann = await registerUser();
    const bob = await registerUser({ name: 'Bob' });
    const cat = await registerUser({ name: 'Cat' });
    await block(ann, bob);

    const blocked = await call('/api/friends/request', { token: bob.accessToken, body: { userId: ann.id } });
    const normal = await call('/api/friends/request', { token: cat.accessToken, body: { userId: ann.id } });
    expect(blocked.status).toBe(normal.status);
    const [blockedBody, normalBody] = [(await blocked.json()) as object, (await normal.json()) as object];
    expect(blockedBody).toEqual({ ...normalBody, user: (blockedBody as { user: unknown }).user, status: 'requested' });
    expect((await friendLists(bob)).outgoing.map((entry) => entry.userId)).toEqual([ann.id]);
    expect((await friendLists(ann)).incoming.map((entry) => entry.userId)).toEqual([cat.id]);
    await expectProblem(
      await call('/api/friends/accept', { token: ann.accessToken, body: { userId: bob.id } }),
      404,
      'not_found',
    );
    // The blocker asking the blocked is refused, and says why (to the blocker only).
    await expectProblem(
      await call('/api/friends/request', { token: ann.accessToken, body: { userId: bob.id } }),
      409,
      'conflict',
    );
    // Unblocking does not surface what was sent meanwhile.
    expect((await blockCall(ann, bob.id, 'DELETE')).status).toBe(204);
    expect((await friendLists(ann)).incoming.map((entry) => entry.userId)).toEqual([cat.id]);
  });

  it('should end a friendship and a pending request between the two', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const cat = await registerUser();
    await call('/api/friends/request', { token: ann.accessToken, body: { userId: bob.id } });
    await call('/api/friends/accept', { token: bob.accessToken, body: { userId: ann.id } });
    await call('/api/friends/request', { token: cat.accessToken, body: { userId: ann.id } });
    await block(bob, ann);
    await block(ann, cat);
    expect(await friendLists(ann)).toEqual({ friends: [], incoming: [], outgoing: [] });
    expect(await friendLists(bob)).toEqual({ friends: [], incoming: [], outgoing: [] });
    expect(await friendLists(cat)).toEqual({ friends: [], incoming: [], outgoing: [] });
  });
});

describe('blocks and coworking sessions', () => {
  it('should keep the blocked person out of the blocker’s sessions and hide theirs from the blocker', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const place = { lat: 52.52, lng: 13.405 };
    const annSession = await createSession(ann, { location: place });
    const bobSession = await createSession(bob, { location: place });
    const before = await joinRemote(ann, bobSession.id);
    expect(before.status).toBe(201);

    await block(ann, bob);
    // Bob cannot join Ann's session: it looks like no session at all, by id or by code.
    await expectProblem(await joinRemote(bob, annSession.id), 404, 'not_found');
    await expectProblem(
      await call(`/api/coworking/sessions/code/${annSession.shareCode}`, { token: bob.accessToken }),
      404,
      'not_found',
    );
    // Ann no longer sees Bob's session: not by id, not nearby, not in her list.
    await expectProblem(
      await call(`/api/coworking/sessions/${bobSession.id}`, { token: ann.accessToken }),
      404,
      'not_found',
    );
    const nearby = await call(`/api/coworking/sessions/nearby?lat=${place.lat}&lng=${place.lng}`, {
      token: ann.accessToken,
    });
    const nearbyIds = ((await nearby.json()) as { items: { id: string }[] }).items.map((item) => item.id);
    expect(nearbyIds).toContain(annSession.id);
    expect(nearbyIds).not.toContain(bobSession.id);
    const mine = await call('/api/coworking/sessions', { token: ann.accessToken });
    const mineIds = ((await mine.json()) as { items: { id: string }[] }).items.map((item) => item.id);
    expect(mineIds).toEqual([annSession.id]);

    // Unblocked, everything is back.
    expect((await blockCall(ann, bob.id, 'DELETE')).status).toBe(204);
    expect((await call(`/api/coworking/sessions/${bobSession.id}`, { token: ann.accessToken })).status).toBe(200);
    expect((await joinRemote(bob, annSession.id)).status).toBe(201);
  });

  it('should send no session invitation across a block, either way', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const cat = await registerUser();
    const session = await createSession(ann);
    await block(bob, ann);
    const invite = await call(`/api/coworking/sessions/${session.id}/invites`, {
      token: ann.accessToken,
      body: { userIds: [bob.id, cat.id] },
    });
    expect(invite.status).toBe(200);
    expect(await invite.json()).toEqual({ invited: 1 });
    const outbox = (await (await call('/api/dev/outbox')).json()) as { items: { to: string; body: string }[] };
    const invited = outbox.items.filter((item) => item.body.includes(session.shareCode)).map((item) => item.to);
    expect(invited).toEqual([cat.email]);
  });

  it('should not deliver messages, typing or reactions between the two in a session, from the moment of the block', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const cat = await registerUser({ name: 'Cat' });
    const session = await createSession(cat);
    expect((await joinRemote(ann, session.id)).status).toBe(201);
    expect((await joinRemote(bob, session.id)).status).toBe(201);
    const a = await connectToSession(ann, session.id);
    const b = await connectToSession(bob, session.id);
    const c = await connectToSession(cat, session.id);

    b.send({ type: 'send', clientId: 'before', text: 'hello all' });
    await until(a, messageFrom(bob.id, 'hello all'));

    await block(ann, bob);
    b.send({ type: 'typing' });
    b.send({ type: 'react', emoji: '🔥' });
    b.send({ type: 'send', clientId: 'after', text: 'can you hear me' });
    a.send({ type: 'send', clientId: 'ann-1', text: 'from ann' });
    await until(c, messageFrom(bob.id, 'can you hear me'));
    await until(c, (frame) => frame.type === 'reaction' && frame.userId === bob.id);
    await until(c, messageFrom(ann.id, 'from ann'));
    await until(b, (frame) => frame.type === 'ack' && frame.clientId === 'after');
    // Presence still reaches everyone.
    c.close();
    await until(a, (frame) => frame.type === 'presence' && (frame.member as { userId: string }).userId === cat.id);
    expect(a.frames.some(messageFrom(bob.id, 'can you hear me'))).toBe(false);
    expect(a.frames.some((frame) => frame.type === 'typing' && frame.userId === bob.id)).toBe(false);
    expect(a.frames.some((frame) => frame.type === 'reaction' && frame.userId === bob.id)).toBe(false);
    expect(b.frames.some(messageFrom(ann.id, 'from ann'))).toBe(false);
    a.close();
    b.close();
  });
});

describe('blocks and chat rooms', () => {
  it('should filter frames both ways in a room, learn an unblock at once, and hide history on reconnect', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const cat = await registerUser({ name: 'Cat' });
    const room = await createRoom(cat);
    await joinRoom(ann, room.id);
    await joinRoom(bob, room.id);
    const a = (await connect(ann, room.id)).socket;
    const b = (await connect(bob, room.id)).socket;
    const c = (await connect(cat, room.id)).socket;

    await block(bob, ann);
    // The room learned it without a restart, and keeps it in storage.
    const stored = await runInDurableObject(roomOf(room.id), (_instance, state) =>
      state.storage.sql.exec('SELECT blocker, blocked FROM room_blocks').toArray(),
    );
    expect(stored).toEqual([{ blocker: bob.id, blocked: ann.id }]);

    b.send({ type: 'typing' });
    b.send({ type: 'react', emoji: '👍' });
    b.send({ type: 'send', clientId: 'b-1', text: 'bob speaks' });
    const bobAck = (await b.next('ack')) as unknown as { id: string };
    b.send({ type: 'edit', messageId: bobAck.id, text: 'bob edits' });
    a.send({ type: 'send', clientId: 'a-1', text: 'ann speaks' });
    a.send({ type: 'typing' });
    await until(c, messageFrom(bob.id, 'bob speaks'));
    await until(c, messageFrom(ann.id, 'ann speaks'));
    await until(c, (frame) => frame.type === 'typing' && frame.userId === ann.id);
    await until(c, (frame) => frame.type === 'reaction' && frame.userId === bob.id);
    await until(c, (frame) => frame.type === 'edited' && frame.id === bobAck.id);
    expect(a.frames.some((frame) => frame.type === 'edited')).toBe(false);
    expect(
      a.frames.filter(
        (frame) =>
          ['message', 'typing', 'reaction'].includes(frame.type) &&
          frame.userId !== ann.id &&
          (frame.author as { id?: string } | undefined)?.id !== ann.id,
      ),
    ).toEqual([]);
    expect(b.frames.some(messageFrom(ann.id))).toBe(false);
    expect(b.frames.some((frame) => frame.type === 'typing' && frame.userId === ann.id)).toBe(false);

    // A new socket of Ann's gets a history without Bob's messages.
    const again = await connect(ann, room.id);
    const history = (again.welcome as unknown as { history: { author: { id: string } }[] }).history;
    expect(history.map((message) => message.author.id)).toEqual([ann.id]);
    again.socket.close();
    // And the REST history leaves them out too.
    const page = await call(`/api/rooms/${room.id}/messages`, { token: ann.accessToken });
    const items = ((await page.json()) as { items: { author: { id: string } }[] }).items;
    expect(items.map((message) => message.author.id)).toEqual([ann.id]);

    // Unblocked: delivered again, at once.
    expect((await blockCall(bob, ann.id, 'DELETE')).status).toBe(204);
    b.send({ type: 'send', clientId: 'b-2', text: 'bob again' });
    await until(a, messageFrom(bob.id, 'bob again'));
    for (const socket of [a, b, c]) socket.close();
  });

  it('should leave a blocked author’s edits and deletions out of a reconnect’s catch-up (since=)', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const room = await createRoom(bob);
    await joinRoom(ann, room.id);
    const b = (await connect(bob, room.id)).socket;
    const a = (await connect(ann, room.id)).socket;
    b.send({ type: 'send', clientId: 'b-1', text: 'before the block' });
    const first = (await b.next('ack')) as unknown as { id: string; seq: number };
    b.send({ type: 'send', clientId: 'b-2', text: 'to be deleted' });
    const second = (await b.next('ack')) as unknown as { id: string; seq: number };
    await until(a, messageFrom(bob.id, 'to be deleted'));
    a.close();

    // While Ann is away she blocks Bob, and Bob edits one of the messages she saw and deletes the other.
    await block(ann, bob);
    b.send({ type: 'edit', messageId: first.id, text: 'edited after the block' });
    await b.next('edited');
    b.send({ type: 'delete', messageId: second.id });
    await b.next('deleted');

    const back = await connect(ann, room.id, second.seq);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(back.socket.frames.filter((frame) => frame.type === 'edited' || frame.type === 'deleted')).toEqual([]);
    back.socket.close();

    // Unblocked, the same catch-up carries them.
    expect((await blockCall(ann, bob.id, 'DELETE')).status).toBe(204);
    const again = await connect(ann, room.id, second.seq);
    await until(again.socket, (frame) => frame.type === 'edited' && frame.id === first.id);
    await until(again.socket, (frame) => frame.type === 'deleted' && frame.id === second.id);
    again.socket.close();
    b.close();
  });

  it('should load the block lists at admission, so a room that missed a change still filters', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const cat = await registerUser();
    const room = await createRoom(cat);
    await joinRoom(ann, room.id);
    await joinRoom(bob, room.id);
    // Written straight to D1: no room was told.
    await env.DB.prepare('INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?1, ?2, ?3)')
      .bind(ann.id, bob.id, Date.now())
      .run();
    const a = (await connect(ann, room.id)).socket;
    const b = (await connect(bob, room.id)).socket;
    const c = (await connect(cat, room.id)).socket;
    b.send({ type: 'send', clientId: 'b-1', text: 'unseen by ann' });
    c.send({ type: 'send', clientId: 'c-1', text: 'seen by all' });
    await until(a, messageFrom(cat.id, 'seen by all'));
    await until(c, messageFrom(bob.id, 'unseen by ann'));
    expect(a.frames.some(messageFrom(bob.id))).toBe(false);
    for (const socket of [a, b, c]) socket.close();
  });
});
