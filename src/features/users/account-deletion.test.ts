import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, registerUser, type TestUser, uploadFileOk } from '../../../test/worker/helpers';
import { connect, createRoom, roomOf, runTasksNow } from '../../../test/worker/sockets';

async function say(user: TestUser, roomId: string, texts: string[]) {
  const { socket } = await connect(user, roomId);
  for (const [i, text] of texts.entries()) {
    socket.send({ type: 'send', clientId: `c${i}`, text });
    await socket.next('ack');
  }
  return socket;
}

/** Every stored value of a room object's messages, as text, to search for traces. */
async function objectRows(roomId: string): Promise<string> {
  return runInDurableObject(roomOf(roomId), async (_instance, state) =>
    JSON.stringify(state.storage.sql.exec('SELECT * FROM messages').toArray()),
  );
}

async function archiveRows(roomId: string): Promise<string> {
  const { results } = await env.DB.prepare('SELECT * FROM messages WHERE room_id = ?1').bind(roomId).all();
  return JSON.stringify(results);
}

describe('deleting an account deletes its chat messages everywhere', () => {
  it('should leave no text, name or id of the author in the archive or the room objects, and tell the room', async () => {
    const bob = await registerUser({ name: 'Bob' });
    const ada = await registerUser({ name: 'Adaline Lovelock' });
    const lounge = await createRoom(bob, 'public', 'Lounge');
    const attic = await createRoom(bob, 'public', 'Attic');
    const watcher = await connect(bob, lounge.id);

    const adaInLounge = await say(ada, lounge.id, ['secret plan alpha', 'secret plan beta']);
    const adaInAttic = await say(ada, attic.id, ['attic whisper']);
    adaInAttic.close();
    const bobsOwn = await say(bob, lounge.id, ['bob stays']);
    await runTasksNow(lounge.id);
    await runTasksNow(attic.id);
    // Ada left the attic after writing there: her message must go all the same.
    expect((await call(`/api/rooms/${attic.id}/leave`, { method: 'POST', token: ada.accessToken })).status).toBe(204);
    expect(await archiveRows(lounge.id)).toContain('secret plan alpha');

    const res = await call('/api/users/me', {
      method: 'DELETE',
      body: { password: ada.password },
      token: ada.accessToken,
    });
    expect(res.status).toBe(204);

    const deletedFrames = [await watcher.socket.next('deleted'), await watcher.socket.next('deleted')];
    expect(deletedFrames.map((frame) => frame.seq).sort()).toEqual([1, 2]);
    expect((await adaInLounge.closed).code).toBe(1008);

    await runTasksNow(lounge.id);
    await runTasksNow(attic.id);
    for (const roomId of [lounge.id, attic.id]) {
      for (const stored of [await objectRows(roomId), await archiveRows(roomId)]) {
        for (const trace of ['secret plan', 'attic whisper', ada.id, 'Adaline', ada.email]) {
          expect(stored).not.toContain(trace);
        }
      }
    }
    expect(await archiveRows(lounge.id)).toContain('bob stays');

    const history = await call(`/api/rooms/${lounge.id}/messages`, { token: bob.accessToken });
    const { items } = (await history.json()) as {
      items: { seq: number; text: string; deleted: boolean; author: { id: string; name: string } }[];
    };
    expect(items.map((m) => [m.seq, m.deleted, m.text])).toEqual([
      [3, false, 'bob stays'],
      [2, true, ''],
      [1, true, ''],
    ]);
    expect(items.filter((m) => m.deleted).every((m) => m.author.id === '' && m.author.name === '')).toBe(true);
    watcher.socket.close();
    bobsOwn.close();
  });
});

describe('GET /api/users/me/export', () => {
  it('should hold files, shares, rooms and the messages the user wrote', async () => {
    const ada = await registerUser({ name: 'Ada' });
    const file = await uploadFileOk(ada.accessToken, 'exported bytes', 'report.txt');
    const share = await call(`/api/files/${file.id}/shares`, { body: { maxDownloads: 3 }, token: ada.accessToken });
    expect(share.status).toBe(201);
    const room = await createRoom(ada, 'private', 'Ada only');
    (await say(ada, room.id, ['for the record'])).close();
    await runTasksNow(room.id);

    const res = await call('/api/users/me/export', { token: ada.accessToken });
    expect(res.status).toBe(200);
    const data = (await res.json()) as Record<string, { [key: string]: unknown }[]>;
    expect(data.files).toEqual([expect.objectContaining({ id: file.id, name: 'report.txt', size: 14 })]);
    expect(data.shares).toEqual([
      expect.objectContaining({ fileId: file.id, maxDownloads: 3, downloads: 0, hasPassword: false }),
    ]);
    expect(data.rooms).toEqual([expect.objectContaining({ id: room.id, name: 'Ada only', role: 'owner' })]);
    expect(data.messages).toEqual([
      expect.objectContaining({ roomId: room.id, text: 'for the record', deleted: false }),
    ]);
    expect(JSON.stringify(data)).not.toMatch(/password_?hash|\$scrypt\$/i);
  });
});
