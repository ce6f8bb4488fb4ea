import { listDurableObjectIds } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, makeAdmin, ORIGIN, registerUser } from '../../../test/worker/helpers';
import { connect, createRoom, openSocket, ticketFor } from '../../../test/worker/sockets';
import { readConfig } from '../../lib/config';
import { signToken } from '../../lib/signed-token';

const signingKeys = () => readConfig(env).secrets.URL_SIGNING_KEYS;

async function roomObjectExists(roomId: string): Promise<boolean> {
  const wanted = env.ROOMS.idFromName(roomId).toString();
  return (await listDurableObjectIds(env.ROOMS)).some((id) => id.toString() === wanted);
}

async function expectRefusal(res: Response, status: number, code: string) {
  expect(res.webSocket).toBeNull();
  expect(res.headers.get('x-request-id')).toBeTruthy();
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  return expectProblem(res, status, code);
}

describe('socket upgrades: checked when the socket opens, not when the ticket was issued', () => {
  it('should refuse a ticket taken before leaving a private room, and send no history', async () => {
    const owner = await registerUser();
    const member = await registerUser();
    const room = await createRoom(owner, 'private');
    await call(`/api/rooms/${room.id}/members`, { body: { userId: member.id }, token: owner.accessToken });
    const owners = await connect(owner, room.id);
    owners.socket.send({ type: 'send', clientId: 'c1', text: 'private plans' });
    await owners.socket.next('ack');

    const { url } = await ticketFor(member, room.id);
    expect((await call(`/api/rooms/${room.id}/leave`, { method: 'POST', token: member.accessToken })).status).toBe(204);
    const refused = await openSocket(url);
    await expectRefusal(refused.res, 403, 'forbidden');
    owners.socket.close();
  });

  it('should refuse a ticket taken before being removed by the owner', async () => {
    const owner = await registerUser();
    const member = await registerUser();
    const room = await createRoom(owner, 'private');
    await call(`/api/rooms/${room.id}/members`, { body: { userId: member.id }, token: owner.accessToken });
    const { url } = await ticketFor(member, room.id);
    await env.DB.prepare('DELETE FROM room_members WHERE room_id = ?1 AND user_id = ?2').bind(room.id, member.id).run();
    await expectRefusal((await openSocket(url)).res, 403, 'forbidden');
  });

  it('should refuse a ticket taken before signing out', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { url } = await ticketFor(user, room.id);
    expect((await call('/api/auth/logout', { method: 'POST', token: user.accessToken })).status).toBe(204);
    await expectRefusal((await openSocket(url)).res, 401, 'unauthorized');
  });

  it('should refuse a ticket of a deactivated account', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const user = await registerUser();
    const room = await createRoom(user);
    const { url } = await ticketFor(user, room.id);
    const res = await call(`/api/admin/users/${user.id}`, {
      method: 'PATCH',
      body: { status: 'deactivated' },
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    await expectRefusal((await openSocket(url)).res, 401, 'unauthorized');
  });

  it('should refuse a ticket of a deleted room', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { url } = await ticketFor(owner, room.id);
    expect((await call(`/api/rooms/${room.id}`, { method: 'DELETE', token: owner.accessToken })).status).toBe(204);
    await expectRefusal((await openSocket(url)).res, 403, 'forbidden');
  });

  it('should still open a socket with a fresh ticket and spend each ticket once', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { url } = await ticketFor(owner, room.id);
    const first = await openSocket(url);
    expect(first.res.status).toBe(101);
    await expectRefusal((await openSocket(url)).res, 401, 'unauthorized');
    first.client?.close();
  });
});

describe('socket upgrades: no room object before a genuine ticket', () => {
  it('should not create an object for an unknown room and a junk ticket', async () => {
    const roomId = `nope${crypto.randomUUID().replaceAll('-', '')}`.slice(0, 26);
    const res = await openSocket(`ws://localhost:8787/api/rooms/${roomId}/ws?ticket=x`);
    await expectRefusal(res.res, 401, 'unauthorized');
    expect(await roomObjectExists(roomId)).toBe(false);
  });

  it('should refuse a genuine ticket presented at another room, creating nothing there', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { ticket } = await ticketFor(owner, room.id);
    const otherId = `other${crypto.randomUUID().replaceAll('-', '')}`.slice(0, 26);
    const res = await openSocket(`ws://localhost:8787/api/rooms/${otherId}/ws?ticket=${ticket}`);
    await expectRefusal(res.res, 401, 'unauthorized');
    expect(await roomObjectExists(otherId)).toBe(false);
  });

  it('should refuse a tampered, expired or foreign-purpose ticket', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { ticket, url } = await ticketFor(owner, room.id);
    const [body, kid, mac] = ticket.split('.');
    const claims = JSON.parse(atob(String(body).replaceAll('-', '+').replaceAll('_', '/')));
    const tampered = btoa(JSON.stringify({ ...claims, userId: 'someone-else' }))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replaceAll('=', '');
    const withTicket = (t: string) => url.replace(/ticket=[^&]+/, `ticket=${encodeURIComponent(t)}`);
    await expectRefusal((await openSocket(withTicket(`${tampered}.${kid}.${mac}`))).res, 401, 'unauthorized');
    const expired = signToken(signingKeys(), 'hearth/socket-ticket/v1', { ...claims, expiresAt: Date.now() - 1 });
    await expectRefusal((await openSocket(withTicket(expired))).res, 401, 'unauthorized');
    const otherPurpose = signToken(signingKeys(), 'hearth/other', claims);
    await expectRefusal((await openSocket(withTicket(otherPurpose))).res, 401, 'unauthorized');
  });

  it('should answer broken percent-encoding in the socket path with a problem, never a 500', async () => {
    for (const path of ['/api/rooms/%E0%A4%A/ws', '/api/rooms/%/ws', '/api/rooms/%00/ws']) {
      const res = await openSocket(`ws://localhost:8787${path}?ticket=x`);
      await expectRefusal(res.res, 401, 'unauthorized');
    }
  });

  it('should answer a plain GET with 426 problem+json, and a foreign origin with 403', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { url } = await ticketFor(owner, room.id);
    const plain = await call(new URL(url.replace(/^ws/, 'http')).pathname);
    await expectRefusal(plain, 426, 'upgrade_required');
    await expectRefusal((await openSocket(url, { origin: 'https://evil.example' })).res, 403, 'forbidden');
    const ok = await openSocket(url, { origin: ORIGIN });
    expect(ok.res.status).toBe(101);
    ok.client?.close();
  });
});
