import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectLoginRefused,
  expectProblem,
  expectSignedOut,
  ORIGIN,
  PASSWORD,
  randomIp,
  registerUser,
  tokenFromLink,
  uniqueEmail,
  waitForMessage,
} from '../../../test/worker/helpers';

const NEW_PASSWORD = 'embers glow through winter nights';

describe('email verification', () => {
  it('should email a 24-hour link built from APP_URL at sign-up, and verify with it once', async () => {
    const user = await registerUser();
    const message = await waitForMessage(user.email, /verify-email/);
    expect(message.body).toContain(`${ORIGIN}/verify-email?token=`);
    const token = tokenFromLink(message.body);
    expect((await call('/api/auth/verify-email/confirm', { body: { token } })).status).toBe(204);
    const me = (await (await call('/api/auth/session', { token: user.accessToken })).json()) as {
      user: { emailVerified: boolean };
    };
    expect(me.user.emailVerified).toBe(true);
    await expectProblem(await call('/api/auth/verify-email/confirm', { body: { token } }), 400, 'invalid_token');
  });

  it('should never build links from the Host header', async () => {
    const email = uniqueEmail();
    await call('/api/auth/register', {
      body: { email, password: PASSWORD },
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    });
    const message = await waitForMessage(email, /verify-email/);
    expect(message.body).not.toContain('evil.example');
  });

  it('should refuse an expired verification link', async () => {
    const user = await registerUser();
    const token = tokenFromLink((await waitForMessage(user.email, /verify-email/)).body);
    await env.DB.prepare('UPDATE one_time_tokens SET expires_at = ?1 WHERE user_id = ?2')
      .bind(Date.now() - 1, user.id)
      .run();
    await expectProblem(await call('/api/auth/verify-email/confirm', { body: { token } }), 400, 'invalid_token');
  });

  it('should send a new link on request when signed in', async () => {
    const user = await registerUser();
    const res = await call('/api/auth/verify-email/request', { method: 'POST', token: user.accessToken });
    expect(res.status).toBe(202);
    await expectProblem(await call('/api/auth/verify-email/request', { method: 'POST' }), 401, 'unauthorized');
  });

  it('should grant admin from ADMIN_EMAILS only once the address is verified', async () => {
    const email = `admin-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const { createApp } = await import('../../app');
    const app = createApp();
    const adminEnv = { ...env, ADMIN_EMAILS: `someone@else.test, ${email.toUpperCase()}` };
    const ip = randomIp();
    const post = (path: string, body: unknown) =>
      app.request(
        path,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
          body: JSON.stringify(body),
        },
        adminEnv,
      );
    const registered = (await (
      await post('/api/auth/register', { email, password: PASSWORD, client: 'native' })
    ).json()) as {
      user: { roles: string[] };
    };
    expect(registered.user.roles).toEqual(['user']);
    const token = tokenFromLink((await waitForMessage(email, /verify-email/)).body);
    expect((await post('/api/auth/verify-email/confirm', { token })).status).toBe(204);
    const login = (await (await post('/api/auth/login', { email, password: PASSWORD })).json()) as {
      user: { roles: string[] };
    };
    expect(login.user.roles).toEqual(['admin', 'user']);
  });
});

describe('password reset', () => {
  async function requestReset(email: string, ip = randomIp()) {
    return call('/api/auth/password-reset/request', { body: { email }, ip });
  }

  it('should answer the same 202 whether or not the account exists', async () => {
    const user = await registerUser();
    const known = await requestReset(user.email);
    const unknown = await requestReset(uniqueEmail());
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await known.text()).toBe(await unknown.text());
  });

  it('should reset through the emailed link, end every session, and not sign in by itself', async () => {
    const user = await registerUser();
    await requestReset(user.email);
    const message = await waitForMessage(user.email, /reset-password/);
    expect(message.body).toContain(`${ORIGIN}/reset-password?token=`);
    const token = tokenFromLink(message.body);
    const res = await call('/api/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBeNull();
    await expectSignedOut(user);
    await expectLoginRefused(user.email, user.password);
    expect((await call('/api/auth/login', { body: { email: user.email, password: NEW_PASSWORD } })).status).toBe(200);
  });

  it('should use a reset link once only, even when two uses race', async () => {
    const user = await registerUser();
    await requestReset(user.email);
    const token = tokenFromLink((await waitForMessage(user.email, /reset-password/)).body);
    const results = await Promise.all(
      ['first password here!', 'second password here!'].map((password) =>
        call('/api/auth/password-reset/confirm', { body: { token, password } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([204, 400]);
    const logins = await Promise.all(
      ['first password here!', 'second password here!'].map(
        async (password) => (await call('/api/auth/login', { body: { email: user.email, password } })).status,
      ),
    );
    expect(logins.sort()).toEqual([200, 401]);
  });

  it('should refuse a weak new password without spending the link', async () => {
    const user = await registerUser();
    await requestReset(user.email);
    const token = tokenFromLink((await waitForMessage(user.email, /reset-password/)).body);
    await expectProblem(
      await call('/api/auth/password-reset/confirm', { body: { token, password: 'password1' } }),
      400,
      'weak_password',
    );
    expect((await call('/api/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } })).status).toBe(
      204,
    );
  });

  it('should refuse an expired reset link (30 minutes)', async () => {
    const user = await registerUser();
    await requestReset(user.email);
    const token = tokenFromLink((await waitForMessage(user.email, /reset-password/)).body);
    const row = await env.DB.prepare(
      "SELECT created_at, expires_at FROM one_time_tokens WHERE user_id = ?1 AND purpose = 'reset_password'",
    )
      .bind(user.id)
      .first<{ created_at: number; expires_at: number }>();
    expect((row?.expires_at ?? 0) - (row?.created_at ?? 0)).toBe(30 * 60 * 1000);
    await env.DB.prepare('UPDATE one_time_tokens SET expires_at = ?1 WHERE user_id = ?2')
      .bind(Date.now() - 1, user.id)
      .run();
    await expectProblem(
      await call('/api/auth/password-reset/confirm', { body: { token, password: NEW_PASSWORD } }),
      400,
      'invalid_token',
    );
  });

  it('should refuse a made-up token', async () => {
    await expectProblem(
      await call('/api/auth/password-reset/confirm', { body: { token: 'A'.repeat(43), password: NEW_PASSWORD } }),
      400,
      'invalid_token',
    );
  });

  it('should throttle reset emails per address', async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 5; i++) expect((await requestReset(email)).status).toBe(202);
    const res = await requestReset(email);
    await expectProblem(res, 429, 'rate_limited');
    expect(res.headers.get('retry-after')).toBeTruthy();
  });
});

describe('password change', () => {
  it('should change the password with the current one and end every other session', async () => {
    const user = await registerUser();
    const other = (await (
      await call('/api/auth/login', { body: { email: user.email, password: user.password, client: 'native' } })
    ).json()) as { accessToken: string };
    const res = await call('/api/auth/password', {
      body: { currentPassword: user.password, newPassword: NEW_PASSWORD },
      token: user.accessToken,
    });
    expect(res.status).toBe(204);
    expect((await call('/api/auth/sessions', { token: user.accessToken })).status).toBe(200);
    await expectProblem(await call('/api/auth/sessions', { token: other.accessToken }), 401, 'unauthorized');
    expect((await call('/api/auth/login', { body: { email: user.email, password: NEW_PASSWORD } })).status).toBe(200);
  });

  it('should refuse a wrong current password, a weak new one, and no token', async () => {
    const user = await registerUser();
    const wrong = await call('/api/auth/password', {
      body: { currentPassword: 'not it at all', newPassword: NEW_PASSWORD },
      token: user.accessToken,
    });
    const body = await expectProblem(wrong, 400, 'validation_failed');
    expect(body.errors?.map((e) => e.path)).toEqual(['body.currentPassword']);
    await expectProblem(
      await call('/api/auth/password', {
        body: { currentPassword: user.password, newPassword: 'qwertyuiop' },
        token: user.accessToken,
      }),
      400,
      'weak_password',
    );
    await expectProblem(
      await call('/api/auth/password', { body: { currentPassword: user.password, newPassword: NEW_PASSWORD } }),
      401,
      'unauthorized',
    );
  });
});

describe('development outbox', () => {
  it('should be hidden outside development', async () => {
    const { createApp } = await import('../../app');
    const res = await createApp().request('/api/dev/outbox', {}, { ...env, ENVIRONMENT: 'test' });
    await expectProblem(res, 404, 'not_found');
  });
});
