import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../app';
import { DEVELOPMENT_KEYS } from '../../lib/config';

const app = createApp();

describe('GET /api/health', () => {
  it('should report every check ok against the real bindings', async () => {
    const res = await exports.default.fetch('http://hearth.test/api/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { db: 'ok', kv: 'ok', storage: 'ok', config: 'ok' },
      problems: [],
      warnings: [],
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });

  it('should answer 503 naming the database when its migrations are not applied', async () => {
    const res = await app.request('/api/health', {}, { ...env, DB: env.UNMIGRATED_DB });
    expect(res.status).toBe(503);
    const body = await res.json<{ status: string; checks: Record<string, string>; problems: string[] }>();
    expect(body.status).toBe('fail');
    expect(body.checks).toEqual({ db: 'fail', kv: 'ok', storage: 'ok', config: 'ok' });
    expect(body.problems).toEqual([expect.stringMatching(/^db: .*migrations/)]);
  });

  describe('in production', () => {
    const production = {
      ...env,
      ENVIRONMENT: 'production',
      APP_URL: 'https://hearth.example',
      JWT_PRIVATE_JWKS: undefined,
      URL_SIGNING_KEYS: undefined,
    };

    it('should answer 503 and say which secrets are missing', async () => {
      const res = await app.request('/api/health', {}, production);
      expect(res.status).toBe(503);
      const body = await res.json<{ checks: Record<string, string>; problems: string[] }>();
      expect(body.checks.config).toBe('fail');
      expect(body.problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('JWT_PRIVATE_JWKS is not set'),
          expect.stringContaining('URL_SIGNING_KEYS is not set'),
        ]),
      );
    });

    it('should refuse the public development keys instead of using them', async () => {
      const res = await app.request('/api/health', {}, { ...production, ...DEVELOPMENT_KEYS });
      expect(res.status).toBe(503);
      const body = await res.json<{ problems: string[] }>();
      expect(body.problems).toEqual(
        expect.arrayContaining([expect.stringContaining('JWT_PRIVATE_JWKS is the public development key')]),
      );
    });

    it('should refuse a plain-http APP_URL', async () => {
      const res = await app.request('/api/health', {}, { ...production, APP_URL: 'http://hearth.example' });
      const body = await res.json<{ problems: string[] }>();
      expect(body.problems).toContain('config: APP_URL must be an https:// origin');
    });

    it('should serve no other API route while misconfigured', async () => {
      const res = await app.request('/api/meta', {}, production);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'unavailable' });
    });

    it('should serve once configured with real keys', async () => {
      const configured = {
        ...production,
        JWT_PRIVATE_JWKS: DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS.replace('dev-ed25519-1', 'prod-1').replace('OCn_', 'XCn_'),
        URL_SIGNING_KEYS: 'prod-1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA',
      };
      const health = await app.request('/api/health', {}, configured);
      expect(health.status).toBe(200);
      const meta = await app.request('/api/meta', {}, configured);
      expect(await meta.json()).toMatchObject({ name: 'Hearth', environment: 'production' });
    });
  });
});
