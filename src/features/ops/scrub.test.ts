import type { Event } from '@sentry/cloudflare';
import { describe, expect, it } from 'vitest';
import { safeHeaders, scrubText, scrubUrl } from './scrub';
import { scrubEvent } from './sentry';

const JWT =
  'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIwMW05MTU2cW1uaGQ5YTZuNjJwajJoZjV2ZCJ9.FOEp2iLZrrDjHzEWOuM7-qZauUwWTZhXQQ1v5qUfrmTOt7aD';
const REFRESH = 'rt_Qm9vb2JhcmJhenF1eHF1dXhjb3JnZ3JhdWx0Z2FycGx5';

describe('scrubText', () => {
  it.each([
    ['a JWT anywhere', `token was ${JWT} here`, 'token was [jwt] here'],
    ['a bearer header', 'Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['a query parameter', 'GET /files?token=abc123&x=1', 'GET /files?token=[redacted]&x=1'],
    ['a JSON token field', `{"refreshToken":"${REFRESH}"}`, '{"refreshToken":"[redacted]"}'],
    ['a password with spaces', 'password=a quiet hearth at dusk', 'password=[redacted]'],
    ['a quoted JSON password', '{"password":"a quiet hearth","name":"Ada"}', '{"password":[redacted],"name":"Ada"}'],
    ['a secret in prose', 'client secret: s3cr3t value; retry', 'client secret: [redacted]; retry'],
    ['a one-time code', 'code=482913 sent', 'code=[redacted] sent'],
    ['a phone number', 'texting +15550109876 failed', 'texting +[digits] failed'],
    ['an email address', 'no user ada.l+test@example.co.uk', 'no user [email]'],
    ['a long random run', `nonce ${'x1Y2z3'.repeat(6)} spent`, 'nonce [redacted] spent'],
  ])('should remove %s', (_name, input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it('should leave an ordinary message alone', () => {
    const message = "Cannot read properties of undefined (reading 'get')";
    expect(scrubText(message)).toBe(message);
  });
});

describe('scrubUrl', () => {
  it('should drop the query string and the fragment', () => {
    expect(scrubUrl('https://hearth.example/api/files/f1/download?sig=abc&exp=1#part')).toBe(
      'https://hearth.example/api/files/f1/download',
    );
  });

  it('should give nothing for what is not a URL', () => {
    expect(scrubUrl('not a url?token=x')).toBe('');
  });
});

describe('safeHeaders', () => {
  it('should keep only headers that do not authenticate', () => {
    const headers = new Headers({
      authorization: `Bearer ${JWT}`,
      cookie: 'hearth_refresh=secret',
      'x-api-key': 'k',
      'x-hearth-admission': '{}',
      'cf-access-jwt-assertion': JWT,
      'cf-connecting-ip': '203.0.113.9',
      'x-forwarded-for': '203.0.113.9',
      'x-real-ip': '203.0.113.9',
      'user-agent': 'curl/8',
      'content-type': 'application/json',
    });
    expect(safeHeaders(headers)).toEqual({ 'user-agent': 'curl/8', 'content-type': 'application/json' });
  });
});

describe('scrubEvent', () => {
  it('should strip the body, cookies, query string, breadcrumbs and extra, and scrub messages', () => {
    const event: Event = {
      message: `refresh failed for ${REFRESH}`,
      exception: { values: [{ type: 'Error', value: 'password=hunter2 hunter3 for ada@example.com' }] },
      request: {
        method: 'POST',
        url: 'https://hearth.example/api/auth/refresh?token=abc',
        query_string: 'token=abc',
        data: { refreshToken: REFRESH, password: 'hunter2' },
        cookies: { hearth_refresh: REFRESH },
        headers: { authorization: `Bearer ${JWT}`, cookie: `hearth_refresh=${REFRESH}`, 'user-agent': 'curl/8' },
      },
      breadcrumbs: [{ message: `fetch ?token=${REFRESH}` }],
      extra: { body: { password: 'hunter2' } },
      tags: { route: 'POST /api/auth/refresh' },
    };
    const scrubbed = scrubEvent(event);
    expect(scrubbed).toEqual({
      message: 'refresh failed for [redacted]',
      exception: { values: [{ type: 'Error', value: 'password=[redacted]' }] },
      request: { method: 'POST', url: 'https://hearth.example/api/auth/refresh', headers: { 'user-agent': 'curl/8' } },
      tags: { route: 'POST /api/auth/refresh' },
    });
    const raw = JSON.stringify(scrubbed);
    for (const secret of [REFRESH, JWT, 'hunter2', 'ada@example.com', 'token=abc']) expect(raw).not.toContain(secret);
  });
});
