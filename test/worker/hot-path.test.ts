import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { createDb } from '../../src/db/client';
import { call, expectProblem, ORIGIN, randomIp, registerUser } from './helpers';

const app = createApp();

/** Runs a request through the app with `overrides` on top of the test bindings (a new env: its config is read afresh). */
async function fetchWith(overrides: Record<string, string>, path: string, token?: string): Promise<Response> {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { 'cf-connecting-ip': randomIp() };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, { headers }), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function requestLines(spy: {
  mock: { calls: unknown[][] };
}): { path: string; status: number; userId: string | null }[] {
  return spy.mock.calls
    .map(([line]) => (typeof line === 'string' && line.startsWith('{') ? JSON.parse(line) : null))
    .filter((line) => line?.msg === 'request');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the signed-in read', () => {
  it('should check the session in the same D1 query as the account: an ending in D1 holds before any KV marker', async () => {
    const user = await registerUser();
    expect((await call('/api/users/me', { token: user.accessToken })).status).toBe(200);
    // End the session the way D1 records it, without the KV marker that normally follows.
    await env.DB.prepare(
      "UPDATE sessions SET revoked_at = unixepoch() * 1000, revoked_reason = 'test' WHERE user_id = ?",
    )
      .bind(user.id)
      .run();
    await expectProblem(await call('/api/users/me', { token: user.accessToken }), 401, 'unauthorized');
  });

  it('should answer each account its own row, with its own roles, from the one prepared lookup', async () => {
    const [a, b] = await Promise.all([registerUser(), registerUser()]);
    const [meA, meB] = await Promise.all([
      call('/api/users/me', { token: a.accessToken }).then(
        (res) => res.json() as Promise<{ id: string; email: string }>,
      ),
      call('/api/users/me', { token: b.accessToken }).then(
        (res) => res.json() as Promise<{ id: string; email: string }>,
      ),
    ]);
    expect(meA).toMatchObject({ id: a.id, email: a.email, roles: ['user'] });
    expect(meB).toMatchObject({ id: b.id, email: b.email, roles: ['user'] });
  });

  it('should refuse a deleted account even with a token that still verifies', async () => {
    const user = await registerUser();
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(user.id).run();
    await expectProblem(await call('/api/users/me', { token: user.accessToken }), 401, 'unauthorized');
  });

  it('should build one query builder per D1 binding, not one per request', () => {
    expect(createDb(env.DB)).toBe(createDb(env.DB));
  });
});

describe('the request log', () => {
  it('should log refusals and errors but not successful requests by default', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const user = await registerUser();
    log.mockClear();
    expect((await fetchWith({}, '/api/meta')).status).toBe(200);
    expect((await fetchWith({}, '/api/users/me', user.accessToken)).status).toBe(200);
    expect((await fetchWith({}, '/api/users/me')).status).toBe(401);
    expect((await fetchWith({}, '/api/nothing-here')).status).toBe(404);
    expect(requestLines(log)).toEqual([
      expect.objectContaining({ path: '/api/users/me', status: 401, userId: null }),
      expect.objectContaining({ path: '/api/nothing-here', status: 404 }),
    ]);
  });

  it('should log every request with REQUEST_LOG=all, naming the signed-in user', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const user = await registerUser();
    log.mockClear();
    expect((await fetchWith({ REQUEST_LOG: 'all' }, '/api/meta')).status).toBe(200);
    expect((await fetchWith({ REQUEST_LOG: 'all' }, '/api/users/me', user.accessToken)).status).toBe(200);
    expect(requestLines(log)).toEqual([
      expect.objectContaining({ path: '/api/meta', status: 200, userId: null }),
      expect.objectContaining({ path: '/api/users/me', status: 200, userId: user.id }),
    ]);
  });
});

describe('security headers', () => {
  it('should keep the policy a route sets itself and add the rest', async () => {
    const docs = await call('/api/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).not.toBe("default-src 'none'; frame-ancestors 'none'");
    expect(docs.headers.get('x-frame-options')).toBe('DENY');
    const meta = await call('/api/meta');
    expect(meta.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(meta.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
