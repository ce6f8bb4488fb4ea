import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, fetchUrl, registerUser, type TestUser, uploadFileOk } from '../../../test/worker/helpers';

interface Share {
  id: string;
  fileId: string;
  token: string;
  url: string;
  expiresAt: string | null;
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
}

async function shareOf(user: TestUser, body: Record<string, unknown> = {}, content = 'shared bytes') {
  const file = await uploadFileOk(user.accessToken, content, 'report.txt');
  const res = await call(`/api/files/${file.id}/shares`, { body, token: user.accessToken });
  expect(res.status).toBe(201);
  return { file, share: (await res.json()) as Share };
}

const download = (share: Share, init: RequestInit = {}) => fetchUrl(`${share.url}/download`, init);

describe('share links', () => {
  it('should create a link that expires in 7 days by default, or never with null', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user);
    expect(share.url).toMatch(/^http:\/\/localhost:8787\/s\/[\w-]{43}$/);
    expect(Date.parse(share.expiresAt as string) - Date.now()).toBeGreaterThan(6.9 * 86400_000);
    expect((await shareOf(user, { expiresIn: null })).share.expiresAt).toBeNull();
  });

  it('should show a public page and JSON for the link', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { maxDownloads: 3 });
    const html = await fetchUrl(share.url);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await html.text();
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('report.txt');
    expect(page).toContain('12 bytes');
    const json = await fetchUrl(share.url, { headers: { accept: 'application/json' } });
    expect(await json.json()).toMatchObject({
      name: 'report.txt',
      size: 12,
      downloadsLeft: 3,
      passwordRequired: false,
    });
  });

  it('should stream the file and count the download', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user);
    const res = await download(share);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('shared bytes');
    const list = (await (await call(`/api/files/${share.fileId}/shares`, { token: user.accessToken })).json()) as {
      items: Share[];
    };
    expect(list.items[0]?.downloads).toBe(1);
  });

  it('should admit exactly the cap under concurrency, then say 410', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { maxDownloads: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => download(share)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 410)).toHaveLength(9);
    await expectProblem(await fetchUrl(share.url, { headers: { accept: 'application/json' } }), 410, 'gone');
    const page = await fetchUrl(share.url);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('no longer available');
    // The form of a page opened before the cap ran out answers with the page too, not JSON.
    const form = await download(share, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(form.status).toBe(410);
    expect(form.headers.get('content-type')).toContain('text/html');
  });

  it('should say 410 once expired and 404 once revoked or unknown', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user);
    await env.DB.prepare('UPDATE shares SET expires_at = ?1 WHERE id = ?2')
      .bind(Date.now() - 1, share.id)
      .run();
    await expectProblem(await download(share), 410, 'gone');
    const { share: other } = await shareOf(user);
    expect((await call(`/api/shares/${other.id}`, { method: 'DELETE', token: user.accessToken })).status).toBe(204);
    await expectProblem(await download(other), 404, 'not_found');
    await expectProblem(await fetchUrl(other.url, { headers: { accept: 'application/json' } }), 404, 'not_found');
    await expectProblem(await fetchUrl(`${other.url}x/download`), 404, 'not_found');
  });

  it('should check the password on every byte request, by header or form', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { password: 'open sesame' });
    expect(share.hasPassword).toBe(true);
    await expectProblem(await download(share), 401, 'unauthorized');
    await expectProblem(await download(share, { headers: { 'x-share-password': 'wrong' } }), 401, 'unauthorized');
    const ok = await download(share, { headers: { 'x-share-password': 'open sesame' } });
    expect(await ok.text()).toBe('shared bytes');
    // Having got in once grants nothing: the next request needs the password again.
    await expectProblem(await download(share), 401, 'unauthorized');
    const form = await download(share, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=open+sesame',
      redirect: 'manual',
    });
    // A right form password leads to the file's page, which fetches the counted download by its signed link.
    expect(form.status).toBe(303);
    const location = new URL(form.headers.get('location') as string, share.url);
    const downloadPage = await (await fetchUrl(location.href)).text();
    const link = /href="([^"]+\/download\?[^"]+)"/.exec(downloadPage)?.[1]?.replaceAll('&amp;', '&') as string;
    const fetched = await fetchUrl(new URL(link, share.url).href);
    expect(fetched.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await fetched.text()).toBe('shared bytes');
    const wrongForm = await download(share, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=nope',
    });
    expect(wrongForm.status).toBe(401);
    expect(await wrongForm.text()).toContain('That password is not right.');
    const row = await env.DB.prepare('SELECT password_hash FROM shares WHERE id = ?1')
      .bind(share.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^\$scrypt\$/);
  });

  it('should throttle password guesses', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { password: 'open sesame' });
    const ip = '198.51.100.7';
    for (let i = 0; i < 10; i++) {
      await download(share, { headers: { 'x-share-password': `guess ${i}`, 'cf-connecting-ip': ip } });
    }
    const res = await download(share, { headers: { 'x-share-password': 'open sesame', 'cf-connecting-ip': ip } });
    await expectProblem(res, 429, 'rate_limited');
  });

  it('should be editable after creation: expiry, cap and password', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { maxDownloads: 1, password: 'first one' });
    const edit = (body: Record<string, unknown>) =>
      call(`/api/shares/${share.id}`, { method: 'PATCH', body, token: user.accessToken });
    const extended = (await (await edit({ expiresIn: 30 * 86400, maxDownloads: 5, password: null })).json()) as Share;
    expect(Date.parse(extended.expiresAt as string) - Date.now()).toBeGreaterThan(29 * 86400_000);
    expect(extended).toMatchObject({ maxDownloads: 5, hasPassword: false });
    expect((await download(share)).status).toBe(200);
    const permanent = (await (await edit({ expiresIn: null, maxDownloads: null })).json()) as Share;
    expect(permanent).toMatchObject({ expiresAt: null, maxDownloads: null });
    await expectProblem(await edit({ token: 'mine' }), 400, 'validation_failed');
  });

  it("should answer 404 for someone else's share", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const { share } = await shareOf(alice);
    await expectProblem(
      await call(`/api/shares/${share.id}`, { method: 'PATCH', body: { maxDownloads: 1 }, token: bob.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(
      await call(`/api/shares/${share.id}`, { method: 'DELETE', token: bob.accessToken }),
      404,
      'not_found',
    );
    expect((await download(share)).status).toBe(200);
  });

  it('should log share downloads with the share id', async () => {
    const user = await registerUser();
    const { file, share } = await shareOf(user);
    await download(share, { headers: { 'user-agent': 'wget/1.21' } });
    const logs = (await (await call(`/api/files/${file.id}/access-logs`, { token: user.accessToken })).json()) as {
      items: { shareId: string; userAgent: string; bytes: number }[];
    };
    expect(logs.items).toEqual([expect.objectContaining({ shareId: share.id, userAgent: 'wget/1.21', bytes: 12 })]);
  });
});
