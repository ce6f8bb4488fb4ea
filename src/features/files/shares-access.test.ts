import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, fetchUrl, registerUser, type TestUser, uploadFileOk } from '../../../test/worker/helpers';

interface Share {
  id: string;
  fileId: string;
  token: string;
  url: string;
  state: string;
  maxDownloads: number | null;
  downloads: number;
  failedAttempts: number;
  lockedUntil: string | null;
  revokedAt: string | null;
}

const CONTENT = 'confidential bytes, 32 of them.!';
const PASSWORD = 'correct horse';

async function shareOf(user: TestUser, body: Record<string, unknown> = {}) {
  const file = await uploadFileOk(user.accessToken, CONTENT, 'secret-plans.txt');
  const res = await call(`/api/files/${file.id}/shares`, { body, token: user.accessToken });
  expect(res.status).toBe(201);
  return { file, share: (await res.json()) as Share };
}

async function sharesOf(user: TestUser, fileId: string): Promise<Share[]> {
  const res = await call(`/api/files/${fileId}/shares`, { token: user.accessToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Share[] }).items;
}

const download = (share: Share, init: RequestInit = {}) => fetchUrl(`${share.url}/download`, init);
const withPassword = (password: string, ip?: string) => ({
  headers: { 'x-share-password': password, ...(ip ? { 'cf-connecting-ip': ip } : {}) },
});
const formPost = (password: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  body: `password=${encodeURIComponent(password)}`,
  redirect: 'manual' as const,
});
const asBrowser = (extra: Record<string, string> = {}) => ({ headers: { accept: 'text/html', ...extra } });

describe('share passwords', () => {
  it('should lock a share after 10 wrong passwords from any addresses, and refuse the right one then', async () => {
    const user = await registerUser();
    const { file, share } = await shareOf(user, { password: PASSWORD });
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => download(share, withPassword(`guess number ${i}`, `203.0.113.${i + 1}`))),
    );
    const statuses = guesses.map((res) => res.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const refused = guesses.find((res) => res.status === 429) as Response;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    await expectProblem(refused, 429, 'rate_limited');

    const [listed] = await sharesOf(user, file.id);
    expect(listed?.failedAttempts).toBe(10);
    expect(Date.parse(listed?.lockedUntil as string) - Date.now()).toBeGreaterThan(14 * 60_000);

    // The right password from an address that never guessed is refused too while the lock lasts.
    await expectProblem(await download(share, withPassword(PASSWORD, '198.51.100.200')), 429, 'rate_limited');
    const page = await download(share, formPost(PASSWORD));
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('locked');
  });

  it('should end a lock-out when the owner sets a new password', async () => {
    const user = await registerUser();
    const { file, share } = await shareOf(user, { password: PASSWORD });
    for (let i = 0; i < 10; i++) await download(share, withPassword(`wrong guess ${i}`));
    await expectProblem(await download(share, withPassword(PASSWORD)), 429, 'rate_limited');
    const edited = await call(`/api/shares/${share.id}`, {
      method: 'PATCH',
      body: { password: 'a new password' },
      token: user.accessToken,
    });
    expect(((await edited.json()) as Share).lockedUntil).toBeNull();
    expect((await download(share, withPassword('a new password'))).status).toBe(200);
    expect((await sharesOf(user, file.id))[0]).toMatchObject({ failedAttempts: 0, lockedUntil: null });
  });

  it('should not count right passwords toward the lock-out', async () => {
    const user = await registerUser();
    const { file, share } = await shareOf(user, { password: PASSWORD });
    for (let i = 0; i < 11; i++) expect((await download(share, withPassword(PASSWORD))).status).toBe(200);
    expect((await sharesOf(user, file.id))[0]).toMatchObject({ failedAttempts: 0, lockedUntil: null, downloads: 11 });
  });

  it('should still limit password attempts per address, before the share-wide lock-out', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { password: PASSWORD });
    const ip = '198.51.100.77';
    for (let i = 0; i < 5; i++) expect((await download(share, withPassword(`wrong ${i}`, ip))).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await download(share, withPassword(PASSWORD, ip))).status).toBe(200);
    const refused = await expectProblem(await download(share, withPassword(PASSWORD, ip)), 429, 'rate_limited');
    expect(refused.detail).toContain('password attempts');
    // Five wrong guesses do not lock the link: other addresses still get in.
    expect((await download(share, withPassword(PASSWORD, '198.51.100.78'))).status).toBe(200);
  });

  it('should refuse share passwords shorter than 8 characters, on create and on edit', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, CONTENT, 'a.txt');
    const short = await call(`/api/files/${file.id}/shares`, {
      body: { password: 'seven77' },
      token: user.accessToken,
    });
    const body = await expectProblem(short, 400, 'validation_failed');
    expect(body.errors?.map((e) => e.path)).toContain('body.password');
    const { share } = await shareOf(user);
    await expectProblem(
      await call(`/api/shares/${share.id}`, {
        method: 'PATCH',
        body: { password: 'seven77' },
        token: user.accessToken,
      }),
      400,
      'validation_failed',
    );
    expect(
      (
        await call(`/api/shares/${share.id}`, {
          method: 'PATCH',
          body: { password: 'eight888' },
          token: user.accessToken,
        })
      ).status,
    ).toBe(200);
  });
});

describe('a protected share page', () => {
  it('should tell nothing about the file before the password, in HTML or JSON', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { password: PASSWORD, maxDownloads: 2 });
    const html = await (await fetchUrl(share.url)).text();
    expect(html).not.toContain('secret-plans');
    expect(html).not.toContain('32 bytes');
    expect(html).not.toContain('text/plain');
    expect(html).toContain('name="password"');
    const json = (await (await fetchUrl(share.url, { headers: { accept: 'application/json' } })).json()) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ passwordRequired: true, downloadsLeft: 2 });
    expect(json).not.toHaveProperty('name');
    expect(json).not.toHaveProperty('size');
    expect(json).not.toHaveProperty('contentType');
    const wrong = await download(share, formPost('not the password'));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('secret-plans');
  });

  it('should show the file, a fresh count and no old error after a wrong and then the right password', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { password: PASSWORD, maxDownloads: 3 });
    const wrong = await download(share, formPost('not the password'));
    expect(await wrong.text()).toContain('That password is not right.');
    const right = await download(share, formPost(PASSWORD));
    expect(right.status).toBe(303);
    const pageRes = await fetchUrl(new URL(right.headers.get('location') as string, share.url).href);
    expect(pageRes.status).toBe(200);
    const page = await pageRes.text();
    expect(page).not.toContain('That password is not right.');
    expect(page).toContain('secret-plans.txt');
    expect(page).toMatch(/data-testid="share-left">2</);
    expect(page).toContain('Your download has started.');
    const link = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&') as string;
    // The page's link fetches the download already counted, also in pieces, without the password.
    const file = await fetchUrl(new URL(link, share.url).href);
    expect(await file.text()).toBe(CONTENT);
    const rest = await fetchUrl(new URL(link, share.url).href, { headers: { range: 'bytes=10-' } });
    expect(rest.status).toBe(206);
    const json = (await (await fetchUrl(share.url, { headers: { accept: 'application/json' } })).json()) as {
      downloadsLeft: number;
    };
    expect(json.downloadsLeft).toBe(2);
    // A link that was tampered with is refused.
    const forged = new URL(link, share.url);
    forged.searchParams.set('exp', String(Number(forged.searchParams.get('exp')) + 3600));
    await expectProblem(await fetchUrl(forged.href), 403, 'forbidden');
  });
});

describe('share downloads in ranges', () => {
  it('should count a download fetched in several Range requests once', async () => {
    const user = await registerUser();
    const { file, share } = await shareOf(user, { maxDownloads: 1 });
    const ip = '192.0.2.44';
    const parts: string[] = [];
    for (const range of ['bytes=0-9', 'bytes=10-19', 'bytes=20-']) {
      const res = await download(share, { headers: { range, 'cf-connecting-ip': ip } });
      expect(res.status).toBe(206);
      parts.push(await res.text());
    }
    expect(parts.join('')).toBe(CONTENT);
    expect((await sharesOf(user, file.id))[0]).toMatchObject({ downloads: 1, state: 'used_up' });
    // A resume after a dropped connection still works; a new download, or another address's range, does not.
    expect((await download(share, { headers: { range: 'bytes=15-', 'cf-connecting-ip': ip } })).status).toBe(206);
    await expectProblem(await download(share, { headers: { 'cf-connecting-ip': ip } }), 410, 'gone');
    await expectProblem(
      await download(share, { headers: { range: 'bytes=1-', 'cf-connecting-ip': '192.0.2.45' } }),
      410,
      'gone',
    );
  });

  it('should ignore an invalid range and send the whole file, and say 416 only past the end', async () => {
    const user = await registerUser();
    const { file, share } = await shareOf(user);
    const whole = await download(share, { headers: { range: 'bytes=5-2' } });
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe(CONTENT);
    const past = await download(share, { headers: { range: 'bytes=500-' } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */32');
    // Signed downloads share the same range handling.
    const signed = (await (await call(`/api/files/${file.id}/download`, { token: user.accessToken })).json()) as {
      url: string;
    };
    const dl = await fetchUrl(signed.url, { headers: { range: 'bytes=5-2' } });
    expect(dl.status).toBe(200);
    expect(await dl.text()).toBe(CONTENT);
    expect((await fetchUrl(signed.url, { headers: { range: 'bytes=500-' } })).status).toBe(416);
    const part = await fetchUrl(signed.url, { headers: { range: 'bytes=0-3' } });
    expect([part.status, await part.text()]).toEqual([206, 'conf']);
  });
});

describe('the download address in a browser', () => {
  it('should answer a browser with the share page and the status, and API clients with problems', async () => {
    const user = await registerUser();
    const { share } = await shareOf(user, { password: PASSWORD, maxDownloads: 1 });
    const none = await download(share, asBrowser());
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('text/html');
    expect(await none.text()).toContain('name="password"');
    const wrong = await download(share, asBrowser({ 'x-share-password': 'not the password' }));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That password is not right.');
    await expectProblem(await download(share), 401, 'unauthorized');

    expect((await download(share, withPassword(PASSWORD))).status).toBe(200);
    const usedUp = await download(share, asBrowser());
    expect(usedUp.status).toBe(410);
    expect(usedUp.headers.get('content-type')).toContain('text/html');
    expect(await usedUp.text()).toContain('download limit');
    await expectProblem(await download(share), 410, 'gone');

    const { share: expiring } = await shareOf(user);
    await env.DB.prepare('UPDATE shares SET expires_at = ?1 WHERE id = ?2')
      .bind(Date.now() - 1, expiring.id)
      .run();
    const expired = await download(expiring, asBrowser());
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('expired');

    const { share: revoked } = await shareOf(user);
    await call(`/api/shares/${revoked.id}`, { method: 'DELETE', token: user.accessToken });
    const gone = await download(revoked, asBrowser());
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('text/html');
    expect(await gone.text()).toContain('Link not found');
    await expectProblem(await download(revoked), 404, 'not_found');
  });
});

describe("the owner's list of links", () => {
  it('should keep revoked, expired and used-up links with their state and counts', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, CONTENT, 'kept.txt');
    const make = async (body: Record<string, unknown>) =>
      (await (await call(`/api/files/${file.id}/shares`, { body, token: user.accessToken })).json()) as Share;
    const revoked = await make({});
    const expired = await make({});
    const usedUp = await make({ maxDownloads: 1 });
    const active = await make({});
    expect((await download(revoked)).status).toBe(200);
    await call(`/api/shares/${revoked.id}`, { method: 'DELETE', token: user.accessToken });
    await env.DB.prepare('UPDATE shares SET expires_at = ?1 WHERE id = ?2')
      .bind(Date.now() - 1, expired.id)
      .run();
    expect((await download(usedUp)).status).toBe(200);
    const byId = new Map((await sharesOf(user, file.id)).map((share) => [share.id, share]));
    expect(byId.get(revoked.id)).toMatchObject({ state: 'revoked', downloads: 1 });
    expect(byId.get(revoked.id)?.revokedAt).not.toBeNull();
    expect(byId.get(expired.id)).toMatchObject({ state: 'expired' });
    expect(byId.get(usedUp.id)).toMatchObject({ state: 'used_up', downloads: 1, maxDownloads: 1 });
    expect(byId.get(active.id)).toMatchObject({ state: 'active', revokedAt: null });
    // Revoked stays a link that never existed, for visitors and for edits.
    await expectProblem(await fetchUrl(revoked.url, { headers: { accept: 'application/json' } }), 404, 'not_found');
    await expectProblem(
      await call(`/api/shares/${revoked.id}`, { method: 'PATCH', body: { maxDownloads: 3 }, token: user.accessToken }),
      404,
      'not_found',
    );
  });
});
