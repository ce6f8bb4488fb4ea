import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('GET /api/health', () => {
  it('should report every check ok against the real bindings', async () => {
    const res = await exports.default.fetch('http://hearth.test/api/health');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: 'ok', checks: { db: 'ok', kv: 'ok', storage: 'ok', config: 'ok' } });
  });
});
