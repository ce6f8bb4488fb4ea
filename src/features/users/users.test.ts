import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectLoginRefused,
  expectProblem,
  expectSignedOut,
  makeAdmin,
  ORIGIN,
  registerUser,
  uniqueEmail,
  uploadFileOk,
} from '../../../test/worker/helpers';
import { connect, createRoom } from '../../../test/worker/sockets';
import { createDb } from '../../db/client';
import { readConfig } from '../../lib/config';
import { signAccessToken } from '../auth/access-token';
import { startSession } from '../auth/sessions.service';
import type { PublicUser } from './users.service';
import { createUser } from './users.service';

async function me(token: string): Promise<PublicUser> {
  const res = await call('/api/users/me', { token });
  expect(res.status).toBe(200);
  return (await res.json()) as PublicUser;
}

/** A phone-only account, as OTP sign-in makes it: no password. `signedInSecondsAgo` ages its session. */
async function passwordlessUser(signedInSecondsAgo = 0) {
  const db = createDb(env.DB);
  const phone = `+1555${Array.from(crypto.getRandomValues(new Uint8Array(7)), (byte) => byte % 10).join('')}`;
  const user = await createUser(db, { phone });
  const { session } = await startSession(db, user.id, { client: 'native', userAgent: null, ip: null });
  if (signedInSecondsAgo > 0) {
    await env.DB.prepare('UPDATE sessions SET created_at = ?1 WHERE id = ?2')
      .bind(Date.now() - signedInSecondsAgo * 1000, session.id)
      .run();
  }
  const accessToken = await signAccessToken(readConfig(env), { userId: user.id, sessionId: session.id });
  return { id: user.id, accessToken };
}

async function userRowExists(id: string): Promise<boolean> {
  return (await env.DB.prepare('SELECT 1 FROM users WHERE id = ?1').bind(id).first()) !== null;
}

describe('GET /api/users/me', () => {
  it('should return the signed-in user with roles and no password hash', async () => {
    const user = await registerUser({ name: 'Ada' });
    const res = await call('/api/users/me', { token: user.accessToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: user.id, email: user.email, name: 'Ada', roles: ['user'], status: 'active' });
    expect(JSON.stringify(body)).not.toMatch(/scrypt|passwordHash/);
  });

  it('should refuse a request without a token with 401 unauthorized', async () => {
    await expectProblem(await call('/api/users/me'), 401, 'unauthorized');
  });
});

describe('PATCH /api/users/me', () => {
  it('should change name and time zone and store the canonical zone name', async () => {
    const user = await registerUser();
    const res = await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      body: { name: '  Grace Hopper ', timezone: 'america/new_york' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Grace Hopper', timezone: 'America/New_York' });
    expect(await me(user.accessToken)).toMatchObject({ name: 'Grace Hopper', timezone: 'America/New_York' });
  });

  it('should clear name and time zone with null', async () => {
    const user = await registerUser({ name: 'Someone' });
    await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { timezone: 'UTC' } });
    const res = await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      body: { name: null, timezone: null },
    });
    expect(await res.json()).toMatchObject({ name: null, timezone: null });
  });

  it('should merge settings as a merge patch where null removes a key', async () => {
    const user = await registerUser();
    const patch = (settings: unknown) =>
      call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { settings } });
    await patch({ theme: 'dark', sound: true });
    await patch({ sound: null, layout: { compact: true } });
    expect((await me(user.accessToken)).settings).toEqual({ theme: 'dark', layout: { compact: true } });
  });

  it('should refuse settings larger than 8 KiB, alone or once merged, and keep the old settings', async () => {
    const user = await registerUser();
    const big = await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      body: { settings: { blob: 'x'.repeat(9000) } },
    });
    const problem = await expectProblem(big, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.settings']);

    await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      body: { settings: { a: 'x'.repeat(5000) } },
    });
    const merged = await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      body: { settings: { b: 'y'.repeat(5000) } },
    });
    const mergedProblem = await expectProblem(merged, 400, 'validation_failed');
    expect(mergedProblem.errors?.map((error) => error.path)).toEqual(['body.settings']);
    expect(Object.keys((await me(user.accessToken)).settings)).toEqual(['a']);
  });

  it('should refuse settings nested deeper than 32 levels, even small ones SQLite could not store', async () => {
    const user = await registerUser();
    // 2 bytes a level: 1500 levels fit in the 8 KiB cap but are past SQLite's JSON depth of 1000, and
    // 30,000 levels (within the 64 KiB body cap) would overflow a recursive JSON.stringify.
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const patchRaw = (json: string) =>
      exports.default.fetch(`${ORIGIN}/api/users/me`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
        body: json,
      });
    for (const levels of [1500, 30_000]) {
      const res = await patchRaw(`{"settings":{"deep":${nested(levels)}}}`);
      const problem = await expectProblem(res, 400, 'validation_failed');
      expect(problem.errors?.map((error) => error.path)).toEqual(['body.settings']);
    }
    const ok = await patchRaw(`{"settings":{"deep":${nested(31)}}}`);
    expect(ok.status).toBe(200);
    expect(JSON.stringify((await me(user.accessToken)).settings)).toBe(`{"deep":${nested(31)}}`);
  });

  it('should refuse a settings value that is not an object', async () => {
    const user = await registerUser();
    const res = await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { settings: [1, 2] } });
    await expectProblem(res, 400, 'validation_failed');
  });

  it.each(['Mars/Olympus_Mons', '+01:00', 'Europe/Paris; DROP TABLE users', ''])(
    'should refuse the time zone %j',
    async (timezone) => {
      const user = await registerUser();
      const res = await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { timezone } });
      const problem = await expectProblem(res, 400, 'validation_failed');
      expect(problem.errors?.map((error) => error.path)).toEqual(['body.timezone']);
    },
  );

  it.each([
    { roles: ['admin'] },
    { role: 'admin' },
    { email: 'someone-else@example.com' },
    { id: 'other' },
    { status: 'deactivated' },
    { password: 'a new password entirely' },
    { passwordHash: 'x' },
  ])('should refuse the unknown field in %j and change nothing', async (field) => {
    const user = await registerUser();
    const res = await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      body: { name: 'Changed', ...field },
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.[0]?.path).toBe(`body.${Object.keys(field)[0]}`);
    expect(await me(user.accessToken)).toMatchObject({ name: null, roles: ['user'], email: user.email });
  });

  it('should refuse a sign-up that tries to grant itself a role', async () => {
    const res = await call('/api/auth/register', {
      body: { email: uniqueEmail(), password: 'a quiet hearth at dusk', roles: ['admin'], client: 'native' },
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toContain('body.roles');
  });

  it('should refuse a body that is not JSON with 415', async () => {
    const user = await registerUser();
    const res = await call('/api/users/me', {
      method: 'PATCH',
      token: user.accessToken,
      headers: { 'content-type': 'text/plain' },
      body: 'name=x',
    });
    await expectProblem(res, 415, 'unsupported_media_type');
  });

  it('should record the change in the audit log without the values', async () => {
    const user = await registerUser();
    await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { name: 'Audited' } });
    const row = await env.DB.prepare(
      "SELECT actor_id, target_id, details FROM audit_log WHERE action = 'user.update' AND target_id = ?1",
    )
      .bind(user.id)
      .first<{ actor_id: string; target_id: string; details: string }>();
    expect(row).toMatchObject({ actor_id: user.id, target_id: user.id });
    expect(JSON.parse(row?.details ?? '{}')).toEqual({ fields: ['name'] });
  });
});

describe('/api/users/:id', () => {
  it('should show me my own account', async () => {
    const user = await registerUser();
    const res = await call(`/api/users/${user.id}`, { token: user.accessToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: user.id, email: user.email });
  });

  it('should answer 404, not 403, for another user’s account on every method', async () => {
    const owner = await registerUser({ name: 'Owner' });
    const stranger = await registerUser();
    const path = `/api/users/${owner.id}`;
    await expectProblem(await call(path, { token: stranger.accessToken }), 404, 'not_found');
    await expectProblem(
      await call(path, { method: 'PUT', token: stranger.accessToken, body: { name: 'Hijacked' } }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(path, { method: 'DELETE', token: stranger.accessToken, body: { password: stranger.password } }),
      404,
      'not_found',
    );
    // An unknown id looks exactly the same.
    await expectProblem(await call('/api/users/nobody', { token: stranger.accessToken }), 404, 'not_found');
    expect(await me(owner.accessToken)).toMatchObject({ name: 'Owner' });
  });

  it('should refuse an anonymous caller with 401', async () => {
    const user = await registerUser();
    await expectProblem(await call(`/api/users/${user.id}`), 401, 'unauthorized');
    await expectProblem(
      await call(`/api/users/${user.id}`, { method: 'PUT', body: { name: 'x' } }),
      401,
      'unauthorized',
    );
  });

  it('should let me change my own profile with PUT, with the same strict body', async () => {
    const user = await registerUser();
    const res = await call(`/api/users/${user.id}`, {
      method: 'PUT',
      token: user.accessToken,
      body: { name: 'Put Name', timezone: 'Asia/Tokyo' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Put Name', timezone: 'Asia/Tokyo' });
    const refused = await call(`/api/users/${user.id}`, {
      method: 'PUT',
      token: user.accessToken,
      body: { roles: ['admin'] },
    });
    await expectProblem(refused, 400, 'validation_failed');
    expect((await me(user.accessToken)).roles).toEqual(['user']);
  });

  it('should let an admin read and change anyone’s profile, recorded as an admin update', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const user = await registerUser();
    const read = await call(`/api/users/${user.id}`, { token: admin.accessToken });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: user.id, email: user.email });
    const put = await call(`/api/users/${user.id}`, {
      method: 'PUT',
      token: admin.accessToken,
      body: { name: 'Renamed By Admin' },
    });
    expect(put.status).toBe(200);
    expect(await me(user.accessToken)).toMatchObject({ name: 'Renamed By Admin' });
    const row = await env.DB.prepare(
      "SELECT actor_id FROM audit_log WHERE action = 'admin.user_update' AND target_id = ?1",
    )
      .bind(user.id)
      .first<{ actor_id: string }>();
    expect(row?.actor_id).toBe(admin.id);
  });

  it('should let an admin delete another account without a password, ending its sessions', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const user = await registerUser();
    const res = await call(`/api/users/${user.id}`, { method: 'DELETE', token: admin.accessToken });
    expect(res.status).toBe(204);
    await expectProblem(await call('/api/users/me', { token: user.accessToken }), 401, 'unauthorized');
    expect(await userRowExists(user.id)).toBe(false);
    await expectProblem(await call(`/api/users/${user.id}`, { token: admin.accessToken }), 404, 'not_found');
  });

  it('should ask for my password when I delete my own account by id', async () => {
    const user = await registerUser();
    const path = `/api/users/${user.id}`;
    await expectProblem(await call(path, { method: 'DELETE', token: user.accessToken }), 400, 'validation_failed');
    expect(await userRowExists(user.id)).toBe(true);
    const res = await call(path, { method: 'DELETE', token: user.accessToken, body: { password: user.password } });
    expect(res.status).toBe(204);
    expect(await userRowExists(user.id)).toBe(false);
  });
});

describe('DELETE /api/users/me', () => {
  it('should refuse a wrong password with 400 on body.password, keep the account and record the attempt', async () => {
    const user = await registerUser();
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: 'not my password at all' },
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.password']);
    expect((await me(user.accessToken)).id).toBe(user.id);
    const row = await env.DB.prepare("SELECT outcome FROM audit_log WHERE action = 'user.delete' AND target_id = ?1")
      .bind(user.id)
      .first<{ outcome: string }>();
    expect(row?.outcome).toBe('failure');
  });

  it('should refuse a missing password for an account that has one', async () => {
    const user = await registerUser();
    const res = await call('/api/users/me', { method: 'DELETE', token: user.accessToken, body: {} });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.password']);
    expect(await userRowExists(user.id)).toBe(true);
  });

  it('should refuse unknown fields in the body', async () => {
    const user = await registerUser();
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: user.password, force: true },
    });
    await expectProblem(res, 400, 'validation_failed');
    expect(await userRowExists(user.id)).toBe(true);
  });

  it('should delete the account and everything it owns with the right password; the old tokens stop working', async () => {
    const user = await registerUser();
    // A second device, to see every session end, not only this one.
    const login = await call('/api/auth/login', {
      body: { email: user.email, password: user.password, client: 'native' },
    });
    expect(login.status).toBe(200);
    const other = (await login.json()) as { accessToken: string; refreshToken: string };

    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(res.status).toBe(204);

    await expectProblem(await call('/api/users/me', { token: user.accessToken }), 401, 'unauthorized');
    await expectSignedOut(other);
    await expectLoginRefused(user.email, user.password);
    const leftovers = await env.DB.prepare(
      'SELECT (SELECT count(*) FROM users WHERE id = ?1) + (SELECT count(*) FROM sessions WHERE user_id = ?1) + (SELECT count(*) FROM user_roles WHERE user_id = ?1) + (SELECT count(*) FROM one_time_tokens WHERE user_id = ?1) AS n',
    )
      .bind(user.id)
      .first<{ n: number }>();
    expect(leftovers?.n).toBe(0);
    const audit = await env.DB.prepare(
      "SELECT actor_id FROM audit_log WHERE action = 'user.delete' AND outcome = 'success' AND target_id = ?1",
    )
      .bind(user.id)
      .first<{ actor_id: string }>();
    expect(audit?.actor_id).toBe(user.id);
  });

  it('should remove file bodies and owned rooms, which live outside D1', async () => {
    const user = await registerUser();
    await uploadFileOk(user.accessToken, 'private notes', 'notes.txt');
    const room = await createRoom(user);
    const { socket } = await connect(user, room.id);
    socket.send({ type: 'send', clientId: 'c', text: 'goodbye' });
    await socket.next('ack');
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: user.password },
    });
    expect(res.status).toBe(204);
    expect((await env.FILES.list({ prefix: `files/${user.id}/` })).objects).toEqual([]);
    expect((await socket.closed).code).toBe(1001);
    const archived = await env.DB.prepare('SELECT count(*) AS n FROM messages WHERE room_id = ?1')
      .bind(room.id)
      .first<{ n: number }>();
    expect(archived?.n).toBe(0);
  });

  it('should let an account without a password delete itself right after signing in, with no password', async () => {
    const user = await passwordlessUser();
    const res = await call('/api/users/me', { method: 'DELETE', token: user.accessToken });
    expect(res.status).toBe(204);
    expect(await userRowExists(user.id)).toBe(false);
    await expectProblem(await call('/api/users/me', { token: user.accessToken }), 401, 'unauthorized');
  });

  it('should refuse an account without a password whose sign-in is older than 10 minutes with 403', async () => {
    const user = await passwordlessUser(11 * 60);
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: user.accessToken,
      body: { password: 'anything at all here' },
    });
    await expectProblem(res, 403, 'forbidden');
    expect(await userRowExists(user.id)).toBe(true);
  });

  it('should refuse to delete the last active admin with 409', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    await env.DB.prepare("DELETE FROM user_roles WHERE role_id = 'role_admin' AND user_id <> ?1").bind(admin.id).run();
    const res = await call('/api/users/me', {
      method: 'DELETE',
      token: admin.accessToken,
      body: { password: admin.password },
    });
    await expectProblem(res, 409, 'conflict');
    expect((await me(admin.accessToken)).roles).toEqual(['admin', 'user']);
  });
});

describe('GET /api/users/me/export', () => {
  it('should download profile, roles, sessions and audit events as an attachment, without any secret', async () => {
    const user = await registerUser({ name: 'Exporter' });
    await call('/api/users/me', { method: 'PATCH', token: user.accessToken, body: { settings: { theme: 'dark' } } });
    const res = await call('/api/users/me/export', { token: user.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="hearth-export-.+\.json"$/);
    const text = await res.text();
    const body = JSON.parse(text) as {
      profile: PublicUser;
      roles: { name: string }[];
      sessions: { id: string }[];
      oauthAccounts: unknown[];
      auditEvents: { action: string }[];
    };
    expect(body.profile).toMatchObject({
      id: user.id,
      email: user.email,
      name: 'Exporter',
      settings: { theme: 'dark' },
    });
    expect(body.roles.map((role) => role.name)).toEqual(['user']);
    expect(body.sessions).toHaveLength(1);
    expect(body.oauthAccounts).toEqual([]);
    expect(body.auditEvents.map((event) => event.action)).toEqual(
      expect.arrayContaining(['auth.register', 'user.update']),
    );

    const secrets = await env.DB.prepare(
      `SELECT password_hash AS value FROM users WHERE id = ?1
       UNION ALL SELECT current_token_hash FROM sessions WHERE user_id = ?1
       UNION ALL SELECT token_hash FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?1)
       UNION ALL SELECT token_hash FROM one_time_tokens WHERE user_id = ?1`,
    )
      .bind(user.id)
      .all<{ value: string }>();
    expect(secrets.results.length).toBeGreaterThanOrEqual(3);
    for (const { value } of secrets.results) expect(text).not.toContain(value);
    expect(text).not.toContain('$scrypt$');
    expect(text).not.toMatch(/hash/i);
  });

  it('should refuse an anonymous caller with 401', async () => {
    await expectProblem(await call('/api/users/me/export'), 401, 'unauthorized');
  });
});
