import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, registerUser, type TestUser } from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { friendIdsOf } from './friends.service';

interface Lists {
  friends: { userId: string; name: string }[];
  incoming: { userId: string; name: string }[];
  outgoing: { userId: string; name: string }[];
}

async function listsOf(user: TestUser): Promise<Lists> {
  const res = await call('/api/friends', { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Lists;
}

const ids = (entries: { userId: string }[]) => entries.map((entry) => entry.userId);

const friendCall = (user: TestUser, action: string, userId: string) =>
  call(`/api/friends/${action}`, { token: user.accessToken, body: { userId } });

describe('friends', () => {
  it('should show a request to both sides and make friends when it is accepted', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const sent = await friendCall(ann, 'request', bob.id);
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ user: { id: bob.id, name: 'Bob' }, status: 'requested' });
    expect((await listsOf(ann)).outgoing).toMatchObject([{ userId: bob.id, name: 'Bob' }]);
    expect((await listsOf(bob)).incoming).toMatchObject([{ userId: ann.id, name: 'Ann' }]);

    // Asking again changes nothing.
    expect((await friendCall(ann, 'request', bob.id)).status).toBe(202);
    expect(ids((await listsOf(ann)).outgoing)).toEqual([bob.id]);

    const accepted = await friendCall(bob, 'accept', ann.id);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ userId: ann.id, name: 'Ann' });
    expect(await listsOf(ann)).toMatchObject({
      friends: [{ userId: bob.id, name: 'Bob' }],
      incoming: [],
      outgoing: [],
    });
    expect(await listsOf(bob)).toMatchObject({
      friends: [{ userId: ann.id, name: 'Ann' }],
      incoming: [],
      outgoing: [],
    });
    expect(await friendIdsOf(createDb(env.DB), ann.id)).toEqual([bob.id]);
  });

  it('should turn two crossing requests, sent at the same time, into one friendship', async () => {
    for (let round = 0; round < 3; round++) {
      const ann = await registerUser();
      const bob = await registerUser();
      const [a, b] = await Promise.all([friendCall(ann, 'request', bob.id), friendCall(bob, 'request', ann.id)]);
      expect([a.status, b.status]).toEqual([202, 202]);
      const statuses = [
        ((await a.json()) as { status: string }).status,
        ((await b.json()) as { status: string }).status,
      ];
      expect(statuses.sort()).toEqual(['friends', 'requested']);
      expect(await listsOf(ann)).toMatchObject({ friends: [{ userId: bob.id }], incoming: [], outgoing: [] });
      expect(await listsOf(bob)).toMatchObject({ friends: [{ userId: ann.id }], incoming: [], outgoing: [] });
      const rows = await env.DB.prepare('SELECT count(*) AS n FROM friendships WHERE requester_id IN (?1, ?2)')
        .bind(ann.id, bob.id)
        .first<{ n: number }>();
      expect(rows?.n).toBe(1);
    }
  });

  it('should decline, cancel and unfriend, each only what exists', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const cat = await registerUser();
    await friendCall(ann, 'request', bob.id);
    await friendCall(cat, 'request', bob.id);
    // Only the one asked can accept or decline; only the one who asked can cancel.
    await expectProblem(await friendCall(ann, 'accept', bob.id), 404, 'not_found');
    await expectProblem(await friendCall(bob, 'cancel', ann.id), 404, 'not_found');

    expect((await friendCall(bob, 'decline', ann.id)).status).toBe(204);
    await expectProblem(await friendCall(bob, 'decline', ann.id), 404, 'not_found');
    expect(ids((await listsOf(ann)).outgoing)).toEqual([]);

    expect((await friendCall(cat, 'cancel', bob.id)).status).toBe(204);
    expect(ids((await listsOf(bob)).incoming)).toEqual([]);

    await friendCall(ann, 'request', bob.id);
    await friendCall(bob, 'accept', ann.id);
    await expectProblem(await friendCall(ann, 'cancel', bob.id), 404, 'not_found');
    const removed = await call(`/api/friends/${bob.id}`, { method: 'DELETE', token: ann.accessToken });
    expect(removed.status).toBe(204);
    expect((await listsOf(bob)).friends).toEqual([]);
    await expectProblem(
      await call(`/api/friends/${bob.id}`, { method: 'DELETE', token: ann.accessToken }),
      404,
      'not_found',
    );
  });

  it('should refuse yourself with 400 and an unknown account with 404', async () => {
    const ann = await registerUser();
    await expectProblem(await friendCall(ann, 'request', ann.id), 400, 'bad_request');
    await expectProblem(await friendCall(ann, 'request', 'nobody-here'), 404, 'not_found');
    await expectProblem(await friendCall(ann, 'accept', 'nobody-here'), 404, 'not_found');
    await expectProblem(
      await call(`/api/friends/${ann.id}`, { method: 'DELETE', token: ann.accessToken }),
      400,
      'bad_request',
    );
    await expectProblem(
      await call('/api/friends/request', { token: ann.accessToken, body: { userId: 'x', extra: 1 } }),
      400,
      'validation_failed',
    );
    await expectProblem(await call('/api/friends'), 401, 'unauthorized');
  });
});
