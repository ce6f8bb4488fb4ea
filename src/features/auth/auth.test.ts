import { env } from 'cloudflare:workers';
import { importJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectProblem,
  ORIGIN,
  PASSWORD,
  randomIp,
  registerUser,
  uniqueEmail,
} from '../../../test/worker/helpers';
import { DEVELOPMENT_KEYS } from '../../lib/config';

type SignedIn = { user: { id: string; email: string; roles: string[] }; accessToken: string; refreshToken?: string };

const refresh = (refreshToken: string) => call('/api/auth/refresh', { body: { refreshToken } });
const me = (token: string) => call('/api/auth/session', { token });
const sessionsOf = (token: string) => call('/api/auth/sessions', { token });
const randomPhone = () =>
  `+1555${String(crypto.getRandomValues(new Uint32Array(1))[0])
    .padStart(10, '0')
    .slice(-8)}`;

function cookieOf(res: Response): { value: string; attributes: string } {
  const header = res.headers.get('set-cookie') ?? '';
  const match = /hearth_refresh=([^;]*)(.*)/.exec(header);
  if (!match) throw new Error(`no refresh cookie in: ${header}`);
  return { value: match[1] ?? '', attributes: match[2] ?? '' };
}

describe('register', () => {
  it('should create an account, sign in and keep the refresh token in a locked-down cookie', async () => {
    const email = uniqueEmail();
    const res = await call('/api/auth/register', { body: { email, password: PASSWORD, name: 'Ada' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as SignedIn & { expiresIn: number };
    expect(body.user).toMatchObject({ email, name: 'Ada', emailVerified: false, hasPassword: true, roles: ['user'] });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(body.expiresIn).toBeGreaterThanOrEqual(600);
    expect(body.expiresIn).toBeLessThanOrEqual(900);
    expect(body.refreshToken).toBeUndefined();
    const cookie = cookieOf(res);
    expect(cookie.value.length).toBeGreaterThanOrEqual(22);
    expect(cookie.attributes).toContain('HttpOnly');
    expect(cookie.attributes).toContain('Secure');
    expect(cookie.attributes).toContain('SameSite=Strict');
    expect(cookie.attributes).toContain('Path=/api/auth');
  });

  it('should give a native client the refresh token in the body and set no cookie', async () => {
    const res = await call('/api/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, client: 'native' },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as SignedIn).refreshToken).toMatch(/^[\w-]{43}$/);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('should treat emails that differ only in case, spacing or Unicode form as the same account', async () => {
    const local = `ada.${crypto.randomUUID().slice(0, 8)}`;
    await registerUser({ email: `${local}@example.com` });
    const res = await call('/api/auth/register', {
      body: { email: `  ${local.toUpperCase()}@ＥＸＡＭＰＬＥ.com `, password: PASSWORD },
    });
    await expectProblem(res, 409, 'email_taken');
  });

  it('should create exactly one account when the same email signs up twice at once', async () => {
    const email = uniqueEmail();
    const results = await Promise.all(
      [1, 2, 3].map(() => call('/api/auth/register', { body: { email, password: PASSWORD } })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('should refuse weak, short and over-long passwords', async () => {
    for (const password of ['password123', 'short', 'x'.repeat(129)]) {
      const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password } });
      await expectProblem(res, 400, 'weak_password');
    }
  });

  it('should refuse fields that could grant privileges', async () => {
    const res = await call('/api/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] },
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors?.map((e) => e.path)).toEqual(['body.roles']);
  });

  it('should name every invalid field at once: an invalid email and a weak password', async () => {
    const res = await call('/api/auth/register', { body: { email: 'not-an-email', password: 'short' } });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([
      expect.objectContaining({ path: 'body.email' }),
      expect.objectContaining({ path: 'body.password', code: 'too_short' }),
    ]);
  });

  it('should refuse an invalid email', async () => {
    const res = await call('/api/auth/register', { body: { email: 'not-an-email', password: PASSWORD } });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors?.map((e) => e.path)).toEqual(['body.email']);
  });

  it('should throttle sign-ups per network', async () => {
    const ip = randomIp();
    for (let i = 0; i < 10; i++) {
      expect(
        (await call('/api/auth/register', { body: { email: uniqueEmail(), password: PASSWORD }, ip })).status,
      ).toBe(201);
    }
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password: PASSWORD }, ip });
    await expectProblem(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('login', () => {
  it('should sign in with the right password, whatever the email case', async () => {
    const user = await registerUser();
    const res = await call('/api/auth/login', { body: { email: user.email.toUpperCase(), password: user.password } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as SignedIn).user.id).toBe(user.id);
  });

  it('should answer an unknown email and a wrong password identically', async () => {
    const user = await registerUser();
    const wrong = await call('/api/auth/login', { body: { email: user.email, password: 'not the password' } });
    const unknown = await call('/api/auth/login', { body: { email: uniqueEmail(), password: 'not the password' } });
    const a = await expectProblem(wrong, 401, 'unauthorized');
    const b = await expectProblem(unknown, 401, 'unauthorized');
    expect(a.detail).toBe(b.detail);
  });

  it('should lock an account after 10 attempts, even for the right password, whatever the network', async () => {
    const user = await registerUser();
    for (let i = 0; i < 10; i++) {
      await call('/api/auth/login', { body: { email: user.email, password: `wrong ${i}` }, ip: randomIp() });
    }
    const res = await call('/api/auth/login', { body: { email: user.email, password: user.password } });
    await expectProblem(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('should count attempts exactly when they arrive at once', async () => {
    const user = await registerUser();
    const attempts = await Promise.all(
      Array.from({ length: 15 }, () => call('/api/auth/login', { body: { email: user.email, password: 'nope nope' } })),
    );
    const statuses = attempts.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it('should throttle one network across accounts', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push(
        (await call('/api/auth/login', { body: { email: uniqueEmail(), password: 'nope nope' }, ip })).status,
      );
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it('should not count successful password sign-ins against the network, only failures', async () => {
    const ip = randomIp();
    const user = await registerUser();
    // A wrong phone code is the cheapest failed sign-in; it counts against the same per-network budget.
    const fail = () =>
      call('/api/auth/otp/verify', { body: { phone: randomPhone(), code: '123456', client: 'native' }, ip });
    for (let i = 0; i < 29; i++) expect((await fail()).status).toBe(401);
    for (let i = 0; i < 3; i++) {
      expect((await call('/api/auth/login', { body: { email: user.email, password: user.password }, ip })).status).toBe(
        200,
      );
    }
    expect((await fail()).status).toBe(401);
    await expectProblem(await fail(), 429, 'rate_limited');
  });

  it('should refuse non-JSON bodies with 415', async () => {
    const res = await call('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await expectProblem(res, 415, 'unsupported_media_type');
  });
});

describe('access tokens', () => {
  it('should be EdDSA JWTs with a kid, verifiable with the published JWKS', async () => {
    const user = await registerUser();
    const [header, payload] = user.accessToken
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))));
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: 'dev-ed25519-1' });
    expect(payload).toMatchObject({ sub: user.id, aud: 'hearth-api', iss: ORIGIN });
    expect(payload.exp - payload.iat).toBeLessThanOrEqual(15 * 60);
    expect(payload.exp - payload.iat).toBeGreaterThanOrEqual(10 * 60);
    const jwks = (await (await call('/.well-known/jwks.json')).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: 'dev-ed25519-1', alg: 'EdDSA', use: 'sig' },
    ]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
  });

  async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
    const jwk = JSON.parse(DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS)[0];
    const key = await importJWK(jwk, 'EdDSA');
    return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'at+jwt', ...header }).sign(key);
  }

  it('should refuse tokens with the wrong type, audience or issuer, and unsigned tokens', async () => {
    const user = await registerUser();
    const now = Math.floor(Date.now() / 1000);
    const good = { sub: user.id, sid: 'x', aud: 'hearth-api', iss: ORIGIN, iat: now, exp: now + 600 };
    const bad = [
      await forge(good, { typ: 'JWT' }),
      await forge({ ...good, aud: 'someone-else' }),
      await forge({ ...good, iss: 'https://evil.example' }),
      `${btoa(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${btoa(JSON.stringify(good))}.`,
      'garbage',
    ];
    for (const token of bad) await expectProblem(await call('/api/auth/sessions', { token }), 401, 'unauthorized');
  });

  it('should say token_expired for an expired token so the client knows to refresh', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await forge({ sub: 'u', sid: 's', aud: 'hearth-api', iss: ORIGIN, iat: now - 2000, exp: now - 1000 });
    await expectProblem(await call('/api/auth/sessions', { token }), 401, 'token_expired');
  });
});

describe('refresh', () => {
  it('should rotate: each refresh gives a new token and spends the old one', async () => {
    const user = await registerUser();
    const first = await refresh(user.refreshToken);
    expect(first.status).toBe(200);
    const next = ((await first.json()) as SignedIn).refreshToken as string;
    expect(next).not.toBe(user.refreshToken);
    const second = await refresh(next);
    expect(second.status).toBe(200);
  });

  it('should give twenty parallel refreshes of one token the same new token, never a 5xx or a second family', async () => {
    const user = await registerUser();
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(user.refreshToken)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const tokens = new Set(await Promise.all(results.map(async (r) => ((await r.json()) as SignedIn).refreshToken)));
    expect(tokens.size).toBe(1);
    const [winner] = [...tokens];
    expect((await refresh(winner as string)).status).toBe(200);
    const sessions = await env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?1')
      .bind(user.id)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(1);
  });

  it('should return the current token when the immediate parent is replayed inside the grace window', async () => {
    const user = await registerUser();
    const child = ((await (await refresh(user.refreshToken)).json()) as SignedIn).refreshToken;
    const replay = await refresh(user.refreshToken);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as SignedIn).refreshToken).toBe(child);
  });

  it('should revoke the whole family when a spent token is replayed after the grace window', async () => {
    const user = await registerUser();
    const child = ((await (await refresh(user.refreshToken)).json()) as SignedIn).refreshToken as string;
    await env.DB.prepare(
      'UPDATE refresh_tokens SET replaced_at = replaced_at - 11000 WHERE replaced_at IS NOT NULL AND session_id = (SELECT id FROM sessions WHERE user_id = ?1)',
    )
      .bind(user.id)
      .run();
    await expectProblem(await refresh(user.refreshToken), 401, 'refresh_token_reused');
    // The thief's token and the victim's are both dead now, and so is the access token.
    await expectProblem(await refresh(child), 401, 'unauthorized');
    await expectProblem(await sessionsOf(user.accessToken), 401, 'unauthorized');
  });

  it('should revoke the family when a grandparent token is replayed, even inside the grace window', async () => {
    const user = await registerUser();
    const child = ((await (await refresh(user.refreshToken)).json()) as SignedIn).refreshToken as string;
    const grandchild = ((await (await refresh(child)).json()) as SignedIn).refreshToken as string;
    await expectProblem(await refresh(user.refreshToken), 401, 'refresh_token_reused');
    await expectProblem(await refresh(grandchild), 401, 'unauthorized');
  });

  it('should refresh a web session from the cookie and rotate the cookie', async () => {
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } });
    const cookie = `hearth_refresh=${cookieOf(res).value}`;
    const refreshed = await call('/api/auth/refresh', { method: 'POST', cookie, headers: { origin: ORIGIN } });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as SignedIn;
    expect(body.accessToken).toBeTruthy();
    expect(body.refreshToken).toBeUndefined();
    expect(cookieOf(refreshed).value).not.toBe(cookieOf(res).value);
  });

  it('should refuse a cookie refresh from another site', async () => {
    const res = await call('/api/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } });
    const cookie = `hearth_refresh=${cookieOf(res).value}`;
    await expectProblem(
      await call('/api/auth/refresh', { method: 'POST', cookie, headers: { origin: 'https://evil.example' } }),
      403,
      'forbidden',
    );
    await expectProblem(
      await call('/api/auth/refresh', { method: 'POST', cookie, headers: { 'sec-fetch-site': 'cross-site' } }),
      403,
      'forbidden',
    );
  });

  it('should refuse an unknown token', async () => {
    await expectProblem(await refresh('x'.repeat(43)), 401, 'unauthorized');
  });

  it('should answer 204 with no body or cookie change when no refresh token is presented', async () => {
    for (const res of [
      await call('/api/auth/refresh', { method: 'POST' }),
      await call('/api/auth/refresh', { body: {} }),
    ]) {
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('should still refuse a cookie that holds no live session, and clear it', async () => {
    const res = await call('/api/auth/refresh', {
      method: 'POST',
      cookie: `hearth_refresh=${'x'.repeat(43)}`,
      headers: { origin: ORIGIN },
    });
    await expectProblem(res, 401, 'unauthorized');
    expect(res.headers.get('set-cookie')).toMatch(/hearth_refresh=;/);
  });
});

describe('sessions and sign-out', () => {
  it('should report the signed-in user and session, or nulls', async () => {
    const user = await registerUser();
    const res = await me(user.accessToken);
    expect(await res.json()).toMatchObject({ user: { id: user.id }, session: { id: expect.any(String) } });
    expect(await (await call('/api/auth/session')).json()).toEqual({ user: null, session: null });
  });

  it('should end the session on logout: the access token and refresh token stop working at once', async () => {
    const user = await registerUser();
    expect((await call('/api/auth/logout', { method: 'POST', token: user.accessToken })).status).toBe(204);
    await expectProblem(await sessionsOf(user.accessToken), 401, 'unauthorized');
    await expectProblem(await refresh(user.refreshToken), 401, 'unauthorized');
  });

  it('should end a native session by its refresh token alone', async () => {
    const user = await registerUser();
    expect((await call('/api/auth/logout', { body: { refreshToken: user.refreshToken } })).status).toBe(204);
    await expectProblem(await sessionsOf(user.accessToken), 401, 'unauthorized');
  });

  it('should list devices, mark the current one, and revoke another immediately', async () => {
    const user = await registerUser();
    const other = (await (
      await call('/api/auth/login', {
        body: { email: user.email, password: user.password, client: 'native' },
        headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0' },
      })
    ).json()) as SignedIn;
    const list = (await (await sessionsOf(user.accessToken)).json()) as {
      items: { id: string; current: boolean; deviceLabel: string | null }[];
    };
    expect(list.items).toHaveLength(2);
    expect(list.items.filter((s) => s.current)).toHaveLength(1);
    const otherSession = list.items.find((s) => !s.current);
    expect(otherSession?.deviceLabel).toBe('Firefox on Linux');
    const revoke = await call(`/api/auth/sessions/${otherSession?.id}`, { method: 'DELETE', token: user.accessToken });
    expect(revoke.status).toBe(204);
    await expectProblem(await sessionsOf(other.accessToken), 401, 'unauthorized');
    expect((await sessionsOf(user.accessToken)).status).toBe(200);
  });

  it('should record when each device was last used, at most once a minute', async () => {
    const user = await registerUser();
    const other = (await (
      await call('/api/auth/login', { body: { email: user.email, password: user.password, client: 'native' } })
    ).json()) as SignedIn;
    const setLastUsed = (agoMs: number) =>
      env.DB.prepare('UPDATE sessions SET last_used_at = ?1 WHERE user_id = ?2')
        .bind(Date.now() - agoMs, user.id)
        .run();
    type Listed = { items: { current: boolean; lastUsedAt: string }[] };
    const list = async (token: string) => ((await (await sessionsOf(token)).json()) as Listed).items;
    const ageOf = (items: Listed['items'], current: boolean) =>
      Date.now() - Date.parse(items.find((item) => item.current === current)?.lastUsedAt ?? '');

    await setLastUsed(5 * 60_000);
    const seen = await list(user.accessToken);
    expect(ageOf(seen, true)).toBeLessThan(5_000); // this device, in use now
    expect(ageOf(seen, false)).toBeGreaterThanOrEqual(5 * 60_000 - 5_000); // the other, untouched

    // A refresh records use as well.
    await refresh(other.refreshToken as string);
    expect(ageOf(await list(user.accessToken), false)).toBeLessThan(5_000);

    // Used again within the minute: nothing is written.
    await setLastUsed(30_000);
    expect(ageOf(await list(user.accessToken), true)).toBeGreaterThanOrEqual(25_000);
  });

  it("should answer 404 for another user's session", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const bobs = (await (await sessionsOf(bob.accessToken)).json()) as { items: { id: string }[] };
    const res = await call(`/api/auth/sessions/${bobs.items[0]?.id}`, { method: 'DELETE', token: alice.accessToken });
    await expectProblem(res, 404, 'not_found');
    expect((await sessionsOf(bob.accessToken)).status).toBe(200);
  });

  it('should end every session on logout-all', async () => {
    const user = await registerUser();
    const second = (await (
      await call('/api/auth/login', { body: { email: user.email, password: user.password, client: 'native' } })
    ).json()) as SignedIn;
    expect((await call('/api/auth/logout-all', { method: 'POST', token: user.accessToken })).status).toBe(204);
    await expectProblem(await sessionsOf(user.accessToken), 401, 'unauthorized');
    await expectProblem(await sessionsOf(second.accessToken), 401, 'unauthorized');
    await expectProblem(await refresh(second.refreshToken as string), 401, 'unauthorized');
  });

  it('should refuse logout-all without a token', async () => {
    await expectProblem(await call('/api/auth/logout-all', { method: 'POST' }), 401, 'unauthorized');
  });
});

describe('audit', () => {
  it('should record sign-in failures and successes', async () => {
    const user = await registerUser();
    await call('/api/auth/login', { body: { email: user.email, password: 'wrong wrong' } });
    await call('/api/auth/login', { body: { email: user.email, password: user.password } });
    const rows = await env.DB.prepare(
      "SELECT action, outcome FROM audit_log WHERE target_id = ?1 AND action = 'auth.login' ORDER BY at",
    )
      .bind(user.id)
      .all<{ action: string; outcome: string }>();
    expect(rows.results.map((r) => r.outcome)).toEqual(['failure', 'success']);
  });
});
