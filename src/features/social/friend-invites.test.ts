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

interface Lists {
  friends: { userId: string; name: string }[];
  incoming: { userId: string }[];
  outgoing: { userId: string }[];
}

async function listsOf(user: TestUser): Promise<Lists> {
  const res = await call('/api/friends', { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Lists;
}

async function inviteLink(user: TestUser): Promise<{ url: string; token: string; expiresAt: string }> {
  const res = await call('/api/friends/invite-link', { token: user.accessToken, method: 'POST' });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return (await res.json()) as { url: string; token: string; expiresAt: string };
}

const accept = (user: TestUser, token: string) =>
  call('/api/friends/invites/accept', { token: user.accessToken, body: { token } });

describe('friend invite links', () => {
  it('should make whoever opens the link a friend of its owner at once, and keep it so when opened again', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser({ name: 'Bob' });
    const link = await inviteLink(ann);
    expect(new URL(link.url).pathname).toBe('/friends/invite');
    expect(new URL(link.url).searchParams.get('token')).toBe(link.token);
    const week = Date.parse(link.expiresAt) - Date.now();
    expect(week).toBeGreaterThan(6.9 * 86_400_000);
    expect(week).toBeLessThanOrEqual(7 * 86_400_000);

    const res = await accept(bob, link.token);
    expect(res.status).toBe(200);
    const entry = (await res.json()) as { userId: string; name: string; since: string };
    expect(entry).toMatchObject({ userId: ann.id, name: 'Ann' });
    expect((await listsOf(ann)).friends.map((f) => f.userId)).toEqual([bob.id]);
    expect((await listsOf(bob)).friends.map((f) => f.userId)).toEqual([ann.id]);

    // Opening it again is the same friendship, same date.
    const again = await accept(bob, link.token);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { since: string }).since).toBe(entry.since);
    expect((await listsOf(bob)).friends).toHaveLength(1);
  });

  it('should turn a pending request either way into the friendship', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    expect((await call('/api/friends/request', { token: bob.accessToken, body: { userId: ann.id } })).status).toBe(202);
    expect((await accept(bob, (await inviteLink(ann)).token)).status).toBe(200);
    expect(await listsOf(ann)).toMatchObject({ friends: [{ userId: bob.id }], incoming: [], outgoing: [] });
  });

  it('should refuse your own link, a forged or tampered one, and one for an account that is gone', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const link = await inviteLink(ann);
    await expectProblem(await accept(ann, link.token), 400, 'bad_request');
    await expectProblem(await accept(bob, `${link.token.slice(0, -2)}xx`), 400, 'invalid_token');
    await expectProblem(await accept(bob, 'not-a-token'), 400, 'invalid_token');
    await expectProblem(await accept(bob, ''), 400, 'validation_failed');
    expect((await listsOf(bob)).friends).toEqual([]);

    const deleted = await call('/api/users/me', {
      token: ann.accessToken,
      method: 'DELETE',
      body: { password: ann.password },
    });
    expect(deleted.status).toBeLessThan(300);
    await expectProblem(await accept(bob, link.token), 400, 'invalid_token');
  });

  it('should answer a link between two people a block stands between like a bad link, and make nothing', async () => {
    const ann = await registerUser();
    const bob = await registerUser();
    const link = await inviteLink(ann);
    expect((await call(`/api/users/${bob.id}/block`, { token: ann.accessToken, method: 'POST' })).status).toBe(204);
    await expectProblem(await accept(bob, link.token), 400, 'invalid_token');
    expect((await listsOf(bob)).friends).toEqual([]);

    // The blocked side's link reads the same to the one who blocked.
    await expectProblem(await accept(ann, (await inviteLink(bob)).token), 400, 'invalid_token');
    expect((await listsOf(ann)).friends).toEqual([]);
  });

  it('should need a signed-in account to make or open a link', async () => {
    const ann = await registerUser();
    const link = await inviteLink(ann);
    await expectProblem(await call('/api/friends/invite-link', { method: 'POST' }), 401, 'unauthorized');
    await expectProblem(
      await call('/api/friends/invites/accept', { body: { token: link.token } }),
      401,
      'unauthorized',
    );
  });
});

describe('friend invites by email', () => {
  it('should answer the same whether or not the address has an account, make no request, and send the link', async () => {
    const ann = await registerUser({ name: 'Ann' });
    const bob = await registerUser();
    const stranger = uniqueEmail('stranger');
    const answers = [];
    for (const email of [bob.email, stranger]) {
      const res = await call('/api/friends/invite-email', { token: ann.accessToken, body: { email } });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { invited: string; expiresAt: string };
      expect(body.invited).toBe(email);
      answers.push(Object.keys(body).sort());
    }
    expect(answers[0]).toEqual(answers[1]);
    // No friend request shows: the email reveals nothing about who has an account.
    expect(await listsOf(ann)).toMatchObject({ friends: [], incoming: [], outgoing: [] });
    expect((await listsOf(bob)).incoming).toEqual([]);

    const message = await waitForMessage(bob.email, /friends/);
    expect(message.subject).toContain('Ann');
    expect((await accept(bob, tokenFromLink(message.body))).status).toBe(200);
    expect((await listsOf(ann)).friends.map((f) => f.userId)).toEqual([bob.id]);
    await waitForMessage(stranger, /friends/);
  });

  it('should refuse a malformed address and throttle one account to 20 emails an hour', async () => {
    const ann = await registerUser();
    await expectProblem(
      await call('/api/friends/invite-email', { token: ann.accessToken, body: { email: 'not an email' } }),
      400,
      'validation_failed',
    );
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call('/api/friends/invite-email', { token: ann.accessToken, body: { email: uniqueEmail(`bulk${i}`) } }),
      ),
    );
    const statuses = results.map((res) => res.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(20);
    const refused = results.filter((res) => res.status === 429);
    expect(refused).toHaveLength(4);
    await expectProblem(refused[0] as Response, 429, 'rate_limited');
  });
});
