import { describe, expect, it } from 'vitest';
import { call, fetchUrl, ORIGIN, registerUser, uploadFileOk } from './helpers';

const SECURITY_HEADERS = [
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'content-security-policy',
  'strict-transport-security',
  'cross-origin-resource-policy',
];

function expectBaseHeaders(res: Response, label: string) {
  expect(res.headers.get('x-request-id'), `${label}: X-Request-Id`).toMatch(/^[0-9a-f-]{36}$/);
  for (const name of SECURITY_HEADERS) expect(res.headers.get(name), `${label}: ${name}`).not.toBeNull();
}

async function signedLink(token: string, fileId: string): Promise<string> {
  const res = await call(`/api/files/${fileId}/download`, { token });
  return ((await res.json()) as { url: string }).url;
}

describe('every response carries the request id and the security headers', () => {
  it('should put them on signed downloads: 200, 206, 403 and 404', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'hello there', 'a.txt');
    const url = await signedLink(user.accessToken, file.id);
    expectBaseHeaders(await fetchUrl(url), 'download 200');
    expectBaseHeaders(await fetchUrl(url, { headers: { range: 'bytes=0-1' } }), 'download 206');
    expectBaseHeaders(await fetchUrl(url.replace(/sig=[^&]+/, 'sig=AAAA')), 'download 403');
    await call(`/api/files/${file.id}`, { method: 'DELETE', token: user.accessToken });
    expectBaseHeaders(await fetchUrl(url), 'download 404');
  });

  it('should put them on share downloads: 200, 404 and 410', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'shared words', 'b.txt');
    const res = await call(`/api/files/${file.id}/shares`, { body: { maxDownloads: 1 }, token: user.accessToken });
    const share = (await res.json()) as { url: string };
    expectBaseHeaders(await fetchUrl(`${share.url}/download`), 'share 200');
    expectBaseHeaders(await fetchUrl(`${share.url}/download`), 'share 410');
    expectBaseHeaders(await fetchUrl(`${ORIGIN}/s/unknown-token/download`), 'share 404');
  });

  it('should use the same id in the header and in a problem body', async () => {
    const res = await call('/api/files/nope', { token: (await registerUser()).accessToken });
    const body = (await res.json()) as { requestId: string };
    expect(res.headers.get('x-request-id')).toBe(body.requestId);
  });
});

describe('CORS credentials', () => {
  it('should send Allow-Credentials only together with an allowed origin', async () => {
    const allowed = await call('/api/health', { headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');

    for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const res = await call('/api/health', { headers });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const preflight = await call('/api/auth/login', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
