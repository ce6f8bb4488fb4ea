import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectProblem,
  PASSWORD,
  randomIp,
  registerUser,
  uniqueEmail,
  waitForMessage,
} from '../../../test/worker/helpers';

interface PublicUser {
  id: string;
  email: string | null;
  emailVerified: boolean;
  hasPassword: boolean;
  phone: string | null;
}

function randomPhone(): string {
  const digits = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  return `+4477${String(digits % 100_000_000).padStart(8, '0')}`;
}

const SIGN_IN_CODE = /^Your Hearth code is (\d{6})\./;
const ADD_CODE = /^Your Hearth code to add this number is (\d{6})\./;

async function codeFor(phone: string, pattern: RegExp): Promise<string> {
  return pattern.exec((await waitForMessage(phone, pattern)).body)?.[1] as string;
}

/** A phone-only account, made the way a person makes one: a texted code. */
async function phoneAccount(): Promise<{ phone: string; accessToken: string; user: PublicUser }> {
  const phone = randomPhone();
  expect((await call('/api/auth/otp/request', { body: { phone } })).status).toBe(202);
  const res = await call('/api/auth/otp/verify', {
    body: { phone, code: await codeFor(phone, SIGN_IN_CODE), client: 'native' },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { accessToken: string; user: PublicUser };
  return { phone, accessToken: body.accessToken, user: body.user };
}

async function auditActions(userId: string): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT action, outcome FROM audit_log WHERE target_id = ? ORDER BY at')
    .bind(userId)
    .all<{ action: string; outcome: string }>();
  return results.map((row) => `${row.action}:${row.outcome}`);
}

describe('adding a phone number', () => {
  it('should add a number to an email account with a texted code; the number then signs in to it', async () => {
    const user = await registerUser();
    const phone = randomPhone();
    const sent = await call('/api/users/me/phone', { body: { phone }, token: user.accessToken });
    expect(sent.status).toBe(202);
    const code = await codeFor(phone, ADD_CODE);

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const refused = await call('/api/users/me/phone/verify', { body: { phone, code: wrong }, token: user.accessToken });
    const problem = await expectProblem(refused, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.code']);

    const added = await call('/api/users/me/phone/verify', { body: { phone, code }, token: user.accessToken });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ id: user.id, phone, email: user.email });

    expect((await call('/api/auth/otp/request', { body: { phone } })).status).toBe(202);
    const signIn = await call('/api/auth/otp/verify', {
      body: { phone, code: await codeFor(phone, SIGN_IN_CODE), client: 'native' },
    });
    expect(await signIn.json()).toMatchObject({ user: { id: user.id }, created: false });
    expect(await auditActions(user.id)).toEqual(expect.arrayContaining(['auth.phone_add:success']));
  });

  it('should not let a code for adding a number sign in with that number', async () => {
    const user = await registerUser();
    const phone = randomPhone();
    await call('/api/users/me/phone', { body: { phone }, token: user.accessToken });
    const code = await codeFor(phone, ADD_CODE);
    const res = await call('/api/auth/otp/verify', { body: { phone, code, client: 'native' } });
    await expectProblem(res, 401, 'unauthorized');
    const accounts = await env.DB.prepare('SELECT count(*) AS n FROM users WHERE phone = ?').bind(phone).first('n');
    expect(accounts).toBe(0);
  });

  it('should refuse a number another account signs in with, and a second number', async () => {
    const other = await phoneAccount();
    const user = await registerUser();
    await call('/api/users/me/phone', { body: { phone: other.phone }, token: user.accessToken });
    const code = await codeFor(other.phone, ADD_CODE);
    const taken = await call('/api/users/me/phone/verify', {
      body: { phone: other.phone, code },
      token: user.accessToken,
    });
    await expectProblem(taken, 409, 'conflict');

    const again = await call('/api/users/me/phone', { body: { phone: randomPhone() }, token: other.accessToken });
    await expectProblem(again, 409, 'conflict');
  });

  it('should refuse without a sign-in, and a number not in international format', async () => {
    await expectProblem(await call('/api/users/me/phone', { body: { phone: randomPhone() } }), 401, 'unauthorized');
    const user = await registerUser();
    const res = await call('/api/users/me/phone', { body: { phone: '0612345678' }, token: user.accessToken });
    await expectProblem(res, 400, 'validation_failed');
  });
});

describe('adding an email and a password to a phone account', () => {
  it('should add an email, send its verification link, then set a password that signs in', async () => {
    const account = await phoneAccount();
    expect(account.user).toMatchObject({ email: null, hasPassword: false });
    const email = uniqueEmail('phone-owner');

    const added = await call('/api/users/me/email', { body: { email }, token: account.accessToken });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ id: account.user.id, email, emailVerified: false });
    await waitForMessage(email, /\/verify-email\?token=/);

    const weak = await call('/api/users/me/password', { body: { password: 'short' }, token: account.accessToken });
    await expectProblem(weak, 400, 'weak_password');
    const set = await call('/api/users/me/password', { body: { password: PASSWORD }, token: account.accessToken });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ hasPassword: true });

    const login = await call('/api/auth/login', { body: { email, password: PASSWORD }, ip: randomIp() });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ user: { id: account.user.id, phone: account.phone } });

    const twice = await call('/api/users/me/password', { body: { password: PASSWORD }, token: account.accessToken });
    await expectProblem(twice, 409, 'conflict');
    expect(await auditActions(account.user.id)).toEqual(
      expect.arrayContaining(['auth.email_add:success', 'auth.password_set:success']),
    );
  });

  it('should refuse an email another account has with 409 email_taken, and a second email', async () => {
    const taken = await registerUser();
    const account = await phoneAccount();
    const res = await call('/api/users/me/email', { body: { email: taken.email }, token: account.accessToken });
    const problem = await expectProblem(res, 409, 'email_taken');
    expect(problem.errors?.map((error) => error.path)).toEqual(['body.email']);

    const again = await call('/api/users/me/email', { body: { email: uniqueEmail() }, token: taken.accessToken });
    await expectProblem(again, 409, 'conflict');
  });

  it('should refuse a password on an account with no email to sign in with', async () => {
    const account = await phoneAccount();
    const res = await call('/api/users/me/password', { body: { password: PASSWORD }, token: account.accessToken });
    await expectProblem(res, 409, 'conflict');
  });

  it('should refuse a first password when the sign-in is not recent', async () => {
    const account = await phoneAccount();
    await call('/api/users/me/email', { body: { email: uniqueEmail() }, token: account.accessToken });
    await env.DB.prepare('UPDATE sessions SET created_at = created_at - 3600000 WHERE user_id = ?')
      .bind(account.user.id)
      .run();
    const res = await call('/api/users/me/password', { body: { password: PASSWORD }, token: account.accessToken });
    await expectProblem(res, 403, 'forbidden');
  });
});
