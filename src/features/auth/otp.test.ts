import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, randomIp, waitForMessage } from '../../../test/worker/helpers';
import { generateOtpCode, OTP_MAX_ATTEMPTS } from './otp.service';

/** A number nobody else in the test run uses, so codes and throttles never collide. */
function randomPhone(): string {
  const digits = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  return `+1555${String(digits % 100_000_000).padStart(8, '0')}`;
}

const CODE_MESSAGE = /^Your Hearth code is (\d{6})\. It expires in 10 minutes\.$/;

function requestCode(phone: string, ip = randomIp()) {
  return call('/api/auth/otp/request', { body: { phone }, ip });
}

/** Asks for a code and reads it from the development outbox. */
async function sendCode(phone: string, ip = randomIp()): Promise<string> {
  const res = await requestCode(phone, ip);
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ status: 'accepted' });
  const message = await waitForMessage(phone, CODE_MESSAGE);
  return CODE_MESSAGE.exec(message.body)?.[1] as string;
}

function verify(phone: string, code: string, options: { ip?: string; client?: 'web' | 'native' } = {}) {
  return call('/api/auth/otp/verify', {
    body: { phone, code, client: options.client ?? 'native' },
    ip: options.ip ?? randomIp(),
  });
}

/** A six-digit code that is not `code`. */
const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function codeRows(phone: string) {
  const { results } = await env.DB.prepare(
    'SELECT id, code_hash, attempts, used_at, expires_at FROM otp_codes WHERE phone = ? ORDER BY created_at',
  )
    .bind(phone)
    .all<{ id: string; code_hash: string; attempts: number; used_at: number | null; expires_at: number }>();
  return results;
}

interface SignedInBody {
  user: { id: string; phone: string | null; email: string | null };
  accessToken: string;
  refreshToken?: string;
}

describe('POST /api/auth/otp/request', () => {
  it('should text a 6-digit code that expires in 10 minutes and store only its keyed hash', async () => {
    const phone = randomPhone();
    const before = Date.now();

    const code = await sendCode(phone);

    expect(code).toMatch(/^\d{6}$/);
    const [row] = await codeRows(phone);
    expect(row?.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.code_hash).not.toContain(code);
    // Keyed: a copied database cannot test the million possible codes against a plain hash.
    const plain = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${row?.id}:${phone}:${code}`));
    expect(row?.code_hash).not.toBe([...new Uint8Array(plain)].map((b) => b.toString(16).padStart(2, '0')).join(''));
    expect(row?.attempts).toBe(0);
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + 10 * 60 * 1000);
    expect(row?.expires_at).toBeLessThanOrEqual(Date.now() + 10 * 60 * 1000);
  });

  it('should accept a number with spaces around it and store it trimmed', async () => {
    const phone = randomPhone();

    const res = await requestCode(`  ${phone} `);

    expect(res.status).toBe(202);
    expect(await codeRows(phone)).toHaveLength(1);
  });

  it.each([
    ['no plus', '15551234567'],
    ['a leading zero country code', '+05551234567'],
    ['spaces inside', '+1 555 123 4567'],
    ['too short', '+1234567'],
    ['too long', '+1234567890123456'],
    ['letters', '+1555CALLNOW'],
  ])('should refuse a number with %s with 400 validation_failed', async (_, phone) => {
    const res = await requestCode(phone);

    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors?.map((error) => error.path)).toEqual(['body.phone']);
  });

  it('should refuse unknown fields with 400 validation_failed', async () => {
    const res = await call('/api/auth/otp/request', { body: { phone: randomPhone(), email: 'a@example.com' } });

    await expectProblem(res, 400, 'validation_failed');
  });

  it('should send at most 5 codes per number per hour, from any network', async () => {
    const phone = randomPhone();
    for (let i = 0; i < 5; i++) expect((await requestCode(phone, randomIp())).status).toBe(202);

    const res = await requestCode(phone, randomIp());

    await expectProblem(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await codeRows(phone)).toHaveLength(1);
  });

  it('should send at most 20 codes per network per hour, to any number', async () => {
    const ip = randomIp();
    for (let i = 0; i < 20; i++) expect((await requestCode(randomPhone(), ip)).status).toBe(202);

    const phone = randomPhone();
    const res = await requestCode(phone, ip);

    await expectProblem(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await codeRows(phone)).toHaveLength(0);
  });
});

describe('POST /api/auth/otp/verify', () => {
  it('should sign in with the texted code, creating the account on first use and reusing it after', async () => {
    const phone = randomPhone();

    const first = await verify(phone, await sendCode(phone));
    expect(first.status).toBe(200);
    const signedIn = await first.json<SignedInBody & { created: boolean }>();
    expect(signedIn.user).toMatchObject({ phone, email: null, hasPassword: false });
    expect(signedIn.created).toBe(true);
    expect(signedIn.accessToken).toEqual(expect.any(String));
    expect(signedIn.refreshToken).toEqual(expect.any(String));
    const me = await call('/api/auth/session', { token: signedIn.accessToken });
    expect(await me.json()).toMatchObject({ user: { id: signedIn.user.id, phone } });

    const again = await verify(phone, await sendCode(phone));
    expect(again.status).toBe(200);
    const returning = await again.json<SignedInBody & { created: boolean }>();
    expect(returning.user.id).toBe(signedIn.user.id);
    expect(returning.created).toBe(false);
    const accounts = await env.DB.prepare('SELECT count(*) AS n FROM users WHERE phone = ?').bind(phone).first('n');
    expect(accounts).toBe(1);
  });

  it('should give a web client the refresh token as a cookie, like login', async () => {
    const phone = randomPhone();

    const res = await verify(phone, await sendCode(phone), { client: 'web' });

    expect(res.status).toBe(200);
    const body = await res.json<SignedInBody>();
    expect(body.refreshToken).toBeUndefined();
    const cookie = res.headers.getSetCookie().find((value) => value.startsWith('hearth_refresh='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });

  it('should record successful and failed sign-ins in the audit log', async () => {
    const phone = randomPhone();
    const ip = randomIp();
    const code = await sendCode(phone);
    await expectProblem(await verify(phone, wrongCode(code), { ip }), 401, 'unauthorized');
    const res = await verify(phone, code, { ip });
    const { user } = await res.json<SignedInBody>();

    const { results } = await env.DB.prepare(
      "SELECT outcome, target_id FROM audit_log WHERE action = 'auth.otp_login' AND ip = ? ORDER BY outcome",
    )
      .bind(ip)
      .all<{ outcome: string; target_id: string | null }>();
    expect(results).toEqual([
      { outcome: 'failure', target_id: null },
      { outcome: 'success', target_id: user.id },
    ]);
  });

  it('should let one network sign in many times; only its failures are limited', async () => {
    const ip = randomIp();
    for (let i = 0; i < 35; i++) {
      const phone = randomPhone();
      expect((await verify(phone, await sendCode(phone), { ip })).status).toBe(200);
    }
    for (let i = 0; i < 30; i++) expect((await verify(randomPhone(), '123456', { ip })).status).toBe(401);
    await expectProblem(await verify(randomPhone(), '123456', { ip }), 429, 'rate_limited');
  });

  it('should refuse a wrong code with 401 and say how many attempts are left', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);

    const body = await expectProblem(await verify(phone, wrongCode(code)), 401, 'unauthorized');

    expect(body.detail).toMatch(/not correct.*4 attempts left/);
  });

  it('should refuse even the right code after 5 wrong attempts, and say to request a new one', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);
    for (let i = 0; i < OTP_MAX_ATTEMPTS; i++) {
      await expectProblem(await verify(phone, wrongCode(code)), 401, 'unauthorized');
    }

    const body = await expectProblem(await verify(phone, code), 401, 'unauthorized');

    expect(body.detail).toMatch(/request a new code/i);
    expect((await codeRows(phone))[0]?.attempts).toBe(OTP_MAX_ATTEMPTS);
  });

  it('should count exactly 5 attempts when 10 wrong guesses arrive at once', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);

    const guesses = await Promise.all(Array.from({ length: 10 }, () => verify(phone, wrongCode(code))));

    for (const res of guesses) await expectProblem(res, 401, 'unauthorized');
    expect((await codeRows(phone))[0]?.attempts).toBe(OTP_MAX_ATTEMPTS);
    await expectProblem(await verify(phone, code), 401, 'unauthorized');
    expect((await codeRows(phone))[0]?.attempts).toBe(OTP_MAX_ATTEMPTS);
  });

  it('should accept the right code on the fifth attempt', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);
    for (let i = 0; i < OTP_MAX_ATTEMPTS - 1; i++) {
      await expectProblem(await verify(phone, wrongCode(code)), 401, 'unauthorized');
    }

    const res = await verify(phone, code);

    expect(res.status).toBe(200);
  });

  it('should sign in only once with a code', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);
    expect((await verify(phone, code)).status).toBe(200);

    const body = await expectProblem(await verify(phone, code), 401, 'unauthorized');

    expect(body.detail).toMatch(/already been used/);
  });

  it('should let exactly one of two simultaneous right answers sign in', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);

    const [a, b] = await Promise.all([verify(phone, code), verify(phone, code)]);

    const statuses = [a?.status, b?.status].sort();
    expect(statuses).toEqual([200, 401]);
    const refused = a?.status === 401 ? a : (b as Response);
    await expectProblem(refused, 401, 'unauthorized');
  });

  it('should refuse an expired code', async () => {
    const phone = randomPhone();
    const code = await sendCode(phone);
    await env.DB.prepare('UPDATE otp_codes SET expires_at = ? WHERE phone = ?')
      .bind(Date.now() - 1000, phone)
      .run();

    const body = await expectProblem(await verify(phone, code), 401, 'unauthorized');

    expect(body.detail).toMatch(/expired/);
  });

  it('should refuse a code once a newer one has been sent', async () => {
    const phone = randomPhone();
    const older = await sendCode(phone);
    const newer = await sendCode(phone);
    // One in a million: both draws gave the same code, which would make this test meaningless.
    if (older === newer) return expect(newer).toBe(older);

    await expectProblem(await verify(phone, older), 401, 'unauthorized');

    expect((await verify(phone, newer)).status).toBe(200);
    expect(await codeRows(phone)).toHaveLength(1);
  });

  it('should refuse a code for a number that was never sent one', async () => {
    const body = await expectProblem(await verify(randomPhone(), '123456'), 401, 'unauthorized');

    expect(body.detail).toMatch(/request a new code/i);
  });

  it('should refuse a deactivated account with 403 forbidden', async () => {
    const phone = randomPhone();
    const signedIn = await verify(phone, await sendCode(phone));
    const { user } = await signedIn.json<SignedInBody>();
    await env.DB.prepare("UPDATE users SET status = 'deactivated' WHERE id = ?").bind(user.id).run();

    const res = await verify(phone, await sendCode(phone));

    await expectProblem(res, 403, 'forbidden');
  });

  it.each([
    ['five digits', '12345'],
    ['seven digits', '1234567'],
    ['letters', '12a456'],
  ])('should refuse a code of %s with 400 validation_failed', async (_, code) => {
    const res = await verify(randomPhone(), code);

    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors?.map((error) => error.path)).toEqual(['body.code']);
  });
});

describe('generateOtpCode', () => {
  it('should draw six digits, leading zeros included', () => {
    const codes = Array.from({ length: 5000 }, generateOtpCode);

    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    // Each leading digit should turn up about 500 times in 5,000 uniform draws.
    for (let digit = 0; digit <= 9; digit++) {
      const count = codes.filter((code) => code.startsWith(String(digit))).length;
      expect(count).toBeGreaterThan(350);
      expect(count).toBeLessThan(650);
    }
  });
});
