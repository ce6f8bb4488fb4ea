import { env } from 'cloudflare:workers';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it, vi } from 'vitest';
import { createBaseApp } from '../../src/app';

// A probe route on the real middleware stack: the behaviours below belong to
// the stack, not to any one feature, so they are tested once here.
function probeApp() {
  const app = createBaseApp();
  const probe = createRoute({
    method: 'post',
    path: '/api/probe',
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.strictObject({ name: z.string().min(1), count: z.number().int().optional() }),
          },
        },
      },
    },
    responses: { 200: { description: 'echo', content: { 'application/json': { schema: z.object({}) } } } },
  });
  app.openapi(probe, (c) => c.json(c.req.valid('json'), 200));
  app.get('/api/boom', () => {
    throw new Error('database password is hunter2');
  });
  return app;
}

const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  probeApp().request('/api/probe', { method: 'POST', body, headers }, env);

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Record<string, unknown>;
}

describe('the error envelope', () => {
  it('should answer an unknown route with a problem+json 404', async () => {
    const res = await probeApp().request('/api/nowhere', {}, env);
    expect(res.status).toBe(404);
    const body = await problem(res);
    expect(body).toMatchObject({ status: 404, code: 'not_found', title: 'Not found' });
    expect(body.type).toMatch(/^https:\/\//);
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('should hide an unexpected error behind a 500 internal without its message or stack', async () => {
    const res = await probeApp().request('/api/boom', {}, env);
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(await problem(res)).toMatchObject({ code: 'internal', status: 500 });
  });

  it('should refuse malformed JSON with 400 invalid_json', async () => {
    const res = await post('{"name": ');
    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ code: 'invalid_json' });
  });

  it('should refuse a non-JSON body with 415 unsupported_media_type', async () => {
    const res = await post('name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(await problem(res)).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('should refuse a body without a content type with 415', async () => {
    const res = await post('{"name":"x"}', {});
    expect(res.status).toBe(415);
    expect(await problem(res)).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('should list unknown keys as validation errors', async () => {
    const res = await post(JSON.stringify({ name: 'x', isAdmin: true }));
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe('validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ path: 'body.isAdmin', code: 'unrecognized_keys' })]);
  });

  it('should name each invalid field', async () => {
    const res = await post(JSON.stringify({ name: '', count: 1.5 }));
    expect(res.status).toBe(400);
    const body = await problem(res);
    const paths = (body.errors as { path: string }[]).map((error) => error.path).sort();
    expect(paths).toEqual(['body.count', 'body.name']);
  });

  it('should refuse a missing body on a route that requires one', async () => {
    const res = await post(null, {});
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toMatch(/^(validation_failed|invalid_json)$/);
  });

  it('should refuse a body over the JSON limit with 413 payload_too_large', async () => {
    const res = await post(JSON.stringify({ name: 'x'.repeat(70 * 1024) }));
    expect(res.status).toBe(413);
    expect(await problem(res)).toMatchObject({ code: 'payload_too_large' });
  });

  it('should accept a valid body', async () => {
    const res = await post(JSON.stringify({ name: 'hearth', count: 2 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'hearth', count: 2 });
  });
});

describe('headers on every response', () => {
  it('should carry a request id and the security headers, errors included', async () => {
    for (const path of ['/api/health', '/api/nowhere']) {
      const res = await probeApp().request(path, {}, env);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('should allow CORS only for allow-listed origins', async () => {
    const allowed = await probeApp().request('/api/nowhere', { headers: { origin: 'http://localhost:8787' } }, env);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:8787');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const foreign = await probeApp().request('/api/nowhere', { headers: { origin: 'https://evil.example' } }, env);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('should answer a CORS preflight from an allowed origin', async () => {
    const res = await probeApp().request(
      '/api/probe',
      {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:8787',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      },
      env,
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('request logging', () => {
  it('should write one structured JSON line per request', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const res = await probeApp().request('/api/nowhere?secret=1', { method: 'GET' }, env);
      const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(lines).toEqual([
        {
          level: 'info',
          msg: 'request',
          method: 'GET',
          path: '/api/nowhere',
          status: 404,
          ms: expect.any(Number),
          requestId: res.headers.get('x-request-id'),
          userId: null,
        },
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
