import { describe, expect, it } from 'vitest';
import {
  call,
  expectProblem,
  registerUser,
  type TestUser,
  tokenFromLink,
  uniqueEmail,
  waitForMessage,
} from '../../../test/worker/helpers';
import { connect, createRoom } from '../../../test/worker/sockets';

type Member = { userId: string; name: string; role: 'owner' | 'member'; joinedAt: string };

async function membersOf(user: TestUser, roomId: string): Promise<Member[]> {
  const res = await call(`/api/rooms/${roomId}/members`, { token: user.accessToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Member[] }).items;
}

async function addById(owner: TestUser, roomId: string, userId: string) {
  const res = await call(`/api/rooms/${roomId}/members`, { body: { userId }, token: owner.accessToken });
  expect(res.status).toBe(201);
}

describe('room members', () => {
  it('should list members with their roles to members, and hide a private room’s list from outsiders', async () => {
    const owner = await registerUser({ name: 'Olive' });
    const member = await registerUser({ name: 'Max' });
    const outsider = await registerUser();
    const room = await createRoom(owner, 'private');
    await addById(owner, room.id, member.id);

    const seen = await membersOf(member, room.id);
    expect(
      seen.map(({ userId, name, role }) => ({ userId, name, role })).sort((a, b) => a.role.localeCompare(b.role)),
    ).toEqual([
      { userId: member.id, name: 'Max', role: 'member' },
      { userId: owner.id, name: 'Olive', role: 'owner' },
    ]);
    await expectProblem(await call(`/api/rooms/${room.id}/members`, { token: outsider.accessToken }), 404, 'not_found');

    // A public room's list is for those who joined it.
    const open = await createRoom(owner, 'public');
    await expectProblem(await call(`/api/rooms/${open.id}/members`, { token: outsider.accessToken }), 404, 'not_found');
  });

  it('should page the member list without repeats', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner, 'private');
    const others = await Promise.all(Array.from({ length: 4 }, () => registerUser()));
    for (const other of others) await addById(owner, room.id, other.id);
    const first = (await (
      await call(`/api/rooms/${room.id}/members?limit=3`, { token: owner.accessToken })
    ).json()) as {
      items: Member[];
      nextCursor: string | null;
    };
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const second = (await (
      await call(`/api/rooms/${room.id}/members?limit=3&cursor=${first.nextCursor}`, { token: owner.accessToken })
    ).json()) as { items: Member[]; nextCursor: string | null };
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((m) => m.userId);
    expect(new Set(ids).size).toBe(5);
    expect(ids.sort()).toEqual([owner.id, ...others.map((o) => o.id)].sort());
  });

  it('should answer an email invite the same whether or not the address has an account, and send the link', async () => {
    const owner = await registerUser({ name: 'Olive' });
    const existing = await registerUser();
    const room = await createRoom(owner, 'private', 'Quiet corner');
    const unknown = uniqueEmail('nobody');

    const answers = [];
    for (const email of [existing.email, unknown]) {
      const res = await call(`/api/rooms/${room.id}/members`, { body: { email }, token: owner.accessToken });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { invited: string; expiresAt: string };
      answers.push(Object.keys(body).sort());
      expect(body.invited).toBe(email);
    }
    expect(answers[0]).toEqual(answers[1]);
    // Nobody was added: the list still holds only the owner.
    expect((await membersOf(owner, room.id)).map((m) => m.userId)).toEqual([owner.id]);

    // The existing account opens the emailed link and joins the private room.
    const mail = await waitForMessage(existing.email, /Quiet corner/);
    expect(mail.body).toContain('/rooms/invite?token=');
    const token = tokenFromLink(mail.body);
    const joined = await call('/api/rooms/invites/accept', { body: { token }, token: existing.accessToken });
    expect(joined.status).toBe(200);
    expect(await joined.json()).toMatchObject({ id: room.id, role: 'member' });
    expect((await membersOf(owner, room.id)).map((m) => m.userId).sort()).toEqual([owner.id, existing.id].sort());

    // Accepting again changes nothing; the owner keeps their role.
    const again = await call('/api/rooms/invites/accept', { body: { token }, token: owner.accessToken });
    expect(await again.json()).toMatchObject({ role: 'owner' });
  });

  it('should refuse invites and member changes from members, and forged or foreign invite tokens', async () => {
    const owner = await registerUser();
    const member = await registerUser();
    const stranger = await registerUser();
    const room = await createRoom(owner, 'private');
    await addById(owner, room.id, member.id);

    await expectProblem(
      await call(`/api/rooms/${room.id}/members`, { body: { email: uniqueEmail() }, token: member.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/invite-link`, { method: 'POST', token: member.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/members/${owner.id}`, { method: 'DELETE', token: member.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/transfer`, { body: { userId: member.id }, token: member.accessToken }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/members`, { body: { email: 'not an email' }, token: owner.accessToken }),
      400,
      'validation_failed',
    );

    const link = await call(`/api/rooms/${room.id}/invite-link`, { method: 'POST', token: owner.accessToken });
    expect(link.status).toBe(201);
    const { token, url } = (await link.json()) as { token: string; url: string };
    expect(url).toContain('/rooms/invite?token=');
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectProblem(
      await call('/api/rooms/invites/accept', { body: { token: tampered }, token: stranger.accessToken }),
      400,
      'invalid_token',
    );
    // A socket ticket is signed with the same keys, for another purpose: it is no invite.
    const ticket = (await (
      await call(`/api/rooms/${room.id}/ticket`, { method: 'POST', token: owner.accessToken })
    ).json()) as {
      ticket: string;
    };
    await expectProblem(
      await call('/api/rooms/invites/accept', { body: { token: ticket.ticket }, token: stranger.accessToken }),
      400,
      'invalid_token',
    );
    // The genuine link works for anyone signed in, and needs a sign-in.
    await expectProblem(await call('/api/rooms/invites/accept', { body: { token } }), 401, 'unauthorized');
    const joined = await call('/api/rooms/invites/accept', { body: { token }, token: stranger.accessToken });
    expect(joined.status).toBe(200);

    // Once the room is deleted the link leads nowhere.
    expect((await call(`/api/rooms/${room.id}`, { method: 'DELETE', token: owner.accessToken })).status).toBe(204);
    const late = await registerUser();
    await expectProblem(
      await call('/api/rooms/invites/accept', { body: { token }, token: late.accessToken }),
      404,
      'not_found',
    );
  });

  it('should send every open socket each change to the member list: added, joined, left, removed, new owner', async () => {
    const owner = await registerUser({ name: 'Olive' });
    const max = await registerUser({ name: 'Max' });
    const nia = await registerUser({ name: 'Nia' });
    const room = await createRoom(owner, 'public');
    const watching = (await connect(owner, room.id)).socket;
    const changes = () => watching.frames.filter((frame) => frame.type === 'members');
    const nextChange = async (count: number) => {
      await expect.poll(() => changes().length, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(count);
      return changes()[count - 1];
    };

    await addById(owner, room.id, max.id);
    const added = await nextChange(1);
    // The same row the member list gives.
    const maxRow = (await membersOf(owner, room.id)).find((member) => member.userId === max.id);
    expect(added).toEqual({ type: 'members', change: 'added', member: maxRow });
    expect(maxRow).toMatchObject({ name: 'Max', role: 'member' });
    // Adding someone who is a member already changes nothing, and says nothing.
    await addById(owner, room.id, max.id);
    expect((await call(`/api/rooms/${room.id}/join`, { method: 'POST', token: nia.accessToken })).status).toBe(200);
    expect(await nextChange(2)).toMatchObject({ change: 'added', member: { userId: nia.id, name: 'Nia' } });
    expect((await call(`/api/rooms/${room.id}/leave`, { method: 'POST', token: nia.accessToken })).status).toBe(204);
    expect(await nextChange(3)).toEqual({ type: 'members', change: 'removed', userId: nia.id });
    expect(
      (await call(`/api/rooms/${room.id}/transfer`, { body: { userId: max.id }, token: owner.accessToken })).status,
    ).toBe(200);
    expect(await nextChange(4)).toEqual({
      type: 'members',
      change: 'owner',
      ownerId: max.id,
      previousOwnerId: owner.id,
    });

    // The new owner removes the old one: the removed person's socket closes, and the others hear of it.
    const maxSocket = (await connect(max, room.id)).socket;
    const removed = await call(`/api/rooms/${room.id}/members/${owner.id}`, {
      method: 'DELETE',
      token: max.accessToken,
    });
    expect(removed.status).toBe(204);
    await expect
      .poll(() => maxSocket.frames.filter((frame) => frame.type === 'members'), { timeout: 5000 })
      .toEqual([{ type: 'members', change: 'removed', userId: owner.id }]);
    expect(changes()).toHaveLength(4);
    // A refusal (not a member) says nothing either.
    const again = await call(`/api/rooms/${room.id}/members/${owner.id}`, { method: 'DELETE', token: max.accessToken });
    expect(again.status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(maxSocket.frames.filter((frame) => frame.type === 'members')).toHaveLength(1);
    maxSocket.close();
    watching.close();
  });

  it('should close a removed member’s sockets at once and keep them out', async () => {
    const owner = await registerUser();
    const member = await registerUser();
    const room = await createRoom(owner, 'private');
    await addById(owner, room.id, member.id);
    const { socket } = await connect(member, room.id);

    const res = await call(`/api/rooms/${room.id}/members/${member.id}`, {
      method: 'DELETE',
      token: owner.accessToken,
    });
    expect(res.status).toBe(204);
    expect(await socket.closed).toMatchObject({ code: 1008, reason: 'You were removed from this room' });
    await expectProblem(await call(`/api/rooms/${room.id}`, { token: member.accessToken }), 404, 'not_found');
    await expectProblem(
      await call(`/api/rooms/${room.id}/ticket`, { method: 'POST', token: member.accessToken }),
      404,
      'not_found',
    );
    // Again: they are no longer there. The owner can never be removed.
    await expectProblem(
      await call(`/api/rooms/${room.id}/members/${member.id}`, { method: 'DELETE', token: owner.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/members/${owner.id}`, { method: 'DELETE', token: owner.accessToken }),
      409,
      'conflict',
    );
  });

  it('should transfer ownership to a member: the new owner gets the owner’s powers, the old one stays a member', async () => {
    const owner = await registerUser();
    const heir = await registerUser();
    const stranger = await registerUser();
    const room = await createRoom(owner, 'private');
    await addById(owner, room.id, heir.id);

    await expectProblem(
      await call(`/api/rooms/${room.id}/transfer`, { body: { userId: stranger.id }, token: owner.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/rooms/${room.id}/transfer`, { body: { userId: owner.id }, token: owner.accessToken }),
      409,
      'conflict',
    );

    // The owner's socket is open: after the transfer it may no longer delete the heir's messages.
    const heirSocket = (await connect(heir, room.id)).socket;
    heirSocket.send({ type: 'send', clientId: 'h1', text: 'mine now' });
    const ack = await heirSocket.next('ack');
    const ownerSocket = (await connect(owner, room.id)).socket;

    const res = await call(`/api/rooms/${room.id}/transfer`, { body: { userId: heir.id }, token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ownerId: heir.id, role: 'member' });
    const roles = Object.fromEntries((await membersOf(heir, room.id)).map((m) => [m.userId, m.role]));
    expect(roles).toEqual({ [owner.id]: 'member', [heir.id]: 'owner' });
    expect(await (await call(`/api/rooms/${room.id}`, { token: heir.accessToken })).json()).toMatchObject({
      role: 'owner',
    });

    ownerSocket.send({ type: 'delete', messageId: ack.id });
    expect(await ownerSocket.next('error')).toMatchObject({ code: 'forbidden' });

    // The powers moved with it: the old owner can be removed, and can no longer rename the room.
    await expectProblem(
      await call(`/api/rooms/${room.id}`, { method: 'PATCH', body: { name: 'Mine' }, token: owner.accessToken }),
      403,
      'forbidden',
    );
    // Two transfers at once from the same owner: one wins, the room has exactly one owner.
    const third = await registerUser();
    await addById(heir, room.id, third.id);
    const both = await Promise.all(
      [owner.id, third.id].map((userId) =>
        call(`/api/rooms/${room.id}/transfer`, { body: { userId }, token: heir.accessToken }),
      ),
    );
    expect(both.filter((r) => r.status === 200)).toHaveLength(1);
    const owners = (await membersOf(heir, room.id)).filter((m) => m.role === 'owner');
    expect(owners).toHaveLength(1);
    heirSocket.close();
    ownerSocket.close();
  });
});
