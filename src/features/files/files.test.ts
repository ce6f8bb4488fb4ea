import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  bytesOf,
  call,
  expectProblem,
  fetchUrl,
  ORIGIN,
  randomIp,
  registerUser,
  sha256Hex,
  uploadFileOk,
  uploadForm,
} from '../../../test/worker/helpers';
import { createApp } from '../../app';
import { DEVELOPMENT_KEYS } from '../../lib/config';
import { signUrl } from '../../lib/signed-url';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

async function objectsOf(ownerId: string) {
  return (await env.FILES.list({ prefix: `files/${ownerId}/` })).objects.map((o) => o.key);
}

async function rowsOf(ownerId: string) {
  const { results } = await env.DB.prepare('SELECT id FROM files WHERE owner_id = ?1').bind(ownerId).all();
  return results;
}

async function signedUrlFor(token: string, fileId: string, query = '') {
  const res = await call(`/api/files/${fileId}/download${query}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { url: string; expiresAt: string }).url;
}

describe('uploads', () => {
  it('should store a multipart upload with its size, hash and timestamps', async () => {
    const user = await registerUser();
    const text = 'hello hearth\n';
    const file = await uploadFileOk(user.accessToken, text, 'notes.txt', 'text/plain');
    expect(file).toMatchObject({ name: 'notes.txt', size: text.length, contentType: 'text/plain' });
    expect(file.sha256).toBe(await sha256Hex(new TextEncoder().encode(text)));
    expect(await objectsOf(user.id)).toEqual([`files/${user.id}/${file.id}`]);
  });

  it('should take a raw body with ?name=', async () => {
    const user = await registerUser();
    const res = await call('/api/files?name=raw.bin', {
      method: 'POST',
      token: user.accessToken,
      headers: { 'content-type': 'application/octet-stream' },
    });
    // No body at all is refused; a body is stored.
    expect(res.status).toBe(400);
    const bytes = bytesOf(1000);
    const { exports } = await import('cloudflare:workers');
    const ok = await exports.default.fetch(`${ORIGIN}/api/files?name=${encodeURIComponent('données.bin')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ name: 'données.bin', size: 1000, sha256: await sha256Hex(bytes) });
  });

  it('should refuse a raw upload without a name', async () => {
    const user = await registerUser();
    const { exports } = await import('cloudflare:workers');
    const res = await exports.default.fetch(`${ORIGIN}/api/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/octet-stream' },
      body: bytesOf(10),
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors?.map((e) => e.path)).toEqual(['query.name']);
  });

  it('should decide the content type from the bytes, not the claim', async () => {
    const user = await registerUser();
    expect((await uploadFileOk(user.accessToken, PNG, 'photo.txt', 'text/plain')).contentType).toBe('image/png');
    const html = await uploadFileOk(user.accessToken, '<html><script>alert(1)</script>', 'cat.png', 'image/png');
    expect(html.contentType).toBe('application/octet-stream');
  });

  it('should stream a body larger than one part through R2 multipart and keep it intact', async () => {
    const user = await registerUser();
    const bytes = bytesOf(23 * 1024 * 1024 + 17, 7);
    const file = await uploadFileOk(user.accessToken, bytes, 'big.bin', 'application/octet-stream');
    expect(file.size).toBe(bytes.length);
    expect(file.sha256).toBe(await sha256Hex(bytes));
    const res = await fetchUrl(await signedUrlFor(user.accessToken, file.id));
    expect(await sha256Hex(await res.arrayBuffer())).toBe(file.sha256);
  });

  it('should refuse a body over the request cap with 413 and keep nothing', async () => {
    const user = await registerUser();
    const app = createApp();
    const form = new FormData();
    form.append('file', new File([bytesOf(5000)], 'x.bin'));
    const res = await app.request(
      '/api/files',
      { method: 'POST', headers: { authorization: `Bearer ${user.accessToken}` }, body: form },
      { ...env, MAX_UPLOAD_BYTES: '4096' },
    );
    await expectProblem(res, 413, 'payload_too_large');
    expect(await objectsOf(user.id)).toEqual([]);
    expect(await rowsOf(user.id)).toEqual([]);
  });

  it('should refuse an upload past the quota with quota_exceeded and keep nothing', async () => {
    const user = await registerUser();
    await env.DB.prepare('INSERT INTO storage_usage (user_id, used_bytes, quota_bytes) VALUES (?1, 0, 3000)')
      .bind(user.id)
      .run();
    await uploadFileOk(user.accessToken, bytesOf(2000), 'a.bin');
    const res = await uploadForm(user.accessToken, bytesOf(2000, 2), 'b.bin');
    await expectProblem(res, 413, 'quota_exceeded');
    expect(await objectsOf(user.id)).toHaveLength(1);
    expect(await rowsOf(user.id)).toHaveLength(1);
  });

  it('should never let concurrent uploads pass the quota together', async () => {
    const user = await registerUser();
    await env.DB.prepare('INSERT INTO storage_usage (user_id, used_bytes, quota_bytes) VALUES (?1, 0, 5000)')
      .bind(user.id)
      .run();
    const results = await Promise.all(
      [1, 2, 3, 4].map((seed) => uploadForm(user.accessToken, bytesOf(2000, seed), `${seed}.bin`)),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 413, 413]);
    const usage = await env.DB.prepare('SELECT used_bytes FROM storage_usage WHERE user_id = ?1')
      .bind(user.id)
      .first<{ used_bytes: number }>();
    expect(usage?.used_bytes).toBe(4000);
    expect(await objectsOf(user.id)).toHaveLength(2);
  });

  it('should refuse uploads without a token', async () => {
    await expectProblem(await call('/api/files', { method: 'POST' }), 401, 'unauthorized');
  });
});

describe('the library', () => {
  it('should page, search and sort', async () => {
    const user = await registerUser();
    const names = ['Budget.xlsx', 'notes.txt', 'budget-2026.csv', 'Zebra.png', 'apple.txt'];
    for (const [i, name] of names.entries()) await uploadFileOk(user.accessToken, bytesOf(100 * (i + 1), i + 1), name);
    const page1 = (await (
      await call('/api/files?limit=2&sort=name&order=asc', { token: user.accessToken })
    ).json()) as {
      items: { name: string }[];
      nextCursor: string;
    };
    const page2 = (await (
      await call(`/api/files?limit=2&sort=name&order=asc&cursor=${page1.nextCursor}`, { token: user.accessToken })
    ).json()) as {
      items: { name: string }[];
      nextCursor: string;
    };
    const page3 = (await (
      await call(`/api/files?limit=2&sort=name&order=asc&cursor=${page2.nextCursor}`, { token: user.accessToken })
    ).json()) as {
      items: { name: string }[];
      nextCursor: string | null;
    };
    expect([...page1.items, ...page2.items, ...page3.items].map((f) => f.name)).toEqual([
      'apple.txt',
      'budget-2026.csv',
      'Budget.xlsx',
      'notes.txt',
      'Zebra.png',
    ]);
    expect(page3.nextCursor).toBeNull();
    const search = (await (await call('/api/files?q=BUDGET', { token: user.accessToken })).json()) as {
      items: { name: string }[];
    };
    expect(search.items.map((f) => f.name).sort()).toEqual(['Budget.xlsx', 'budget-2026.csv']);
    const bySize = (await (
      await call('/api/files?sort=size&order=desc&limit=1', { token: user.accessToken })
    ).json()) as {
      items: { name: string }[];
    };
    expect(bySize.items[0]?.name).toBe('apple.txt');
  });

  it('should treat a search for % or _ literally', async () => {
    const user = await registerUser();
    await uploadFileOk(user.accessToken, 'x', '100%.txt');
    await uploadFileOk(user.accessToken, 'x', 'plain.txt');
    const res = (await (await call('/api/files?q=%25', { token: user.accessToken })).json()) as {
      items: { name: string }[];
    };
    expect(res.items.map((f) => f.name)).toEqual(['100%.txt']);
  });

  it('should refuse a forged cursor', async () => {
    const user = await registerUser();
    await expectProblem(await call('/api/files?cursor=bm9wZQ', { token: user.accessToken }), 400, 'validation_failed');
  });

  it.each([
    ['an object', { a: 1 }],
    ['an empty list', []],
    ['a string', 'x'],
    ['an object as the sort value', [{ a: 1 }, 'x']],
    ['a list as the sort value', [[1], 'x']],
    ['null as the sort value', [null, 'x']],
    ['a name for a date sort', ['apple.txt', 'x']],
    ['an object as the id', [1, { a: 1 }]],
    ['three items', [1, 'x', 'y']],
  ])('should refuse a cursor holding %s with 400 on query.cursor', async (_, position) => {
    const user = await registerUser();
    const cursor = btoa(JSON.stringify(position));
    const res = await call(`/api/files?sort=createdAt&cursor=${encodeURIComponent(cursor)}`, {
      token: user.accessToken,
    });
    const problem = await expectProblem(res, 400, 'validation_failed');
    expect(problem.errors?.map((error) => error.path)).toEqual(['query.cursor']);
  });

  it('should page by name through names outside Latin-1', async () => {
    const user = await registerUser();
    const names = ['ünïcode.txt', '日本語のメモ.txt', '😀 party.png'];
    for (const name of names) await uploadFileOk(user.accessToken, 'x', name);
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await call(`/api/files?sort=name&order=asc&limit=1${cursor ? `&cursor=${cursor}` : ''}`, {
        token: user.accessToken,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { name: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((item) => item.name));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...names].sort());
  });

  it('should refuse a multipart filename* with broken percent-encoding with 400 and keep nothing', async () => {
    const user = await registerUser();
    const boundary = 'hearth-boundary';
    const body = [
      `--${boundary}`,
      `Content-Disposition: form-data; name="file"; filename*=UTF-8''%E0%A4%A.txt`,
      'Content-Type: text/plain',
      '',
      'hello',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await fetchUrl(`${ORIGIN}/api/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.accessToken}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    const problem = await expectProblem(res, 400, 'bad_request');
    expect(problem.detail).toMatch(/percent-encoding/);
    expect(await rowsOf(user.id)).toEqual([]);
    expect(await objectsOf(user.id)).toEqual([]);
  });

  it('should cut a long name on a character boundary, never through an emoji', async () => {
    const user = await registerUser();
    // 254 units, then an emoji (two units) that straddles the 255-unit limit.
    const name = `${'a'.repeat(254)}😀😀.txt`;
    const file = await uploadFileOk(user.accessToken, 'x', name);
    expect(file.name).toBe('a'.repeat(254));
    const { results } = await env.DB.prepare('SELECT name FROM files WHERE id = ?1')
      .bind(file.id)
      .all<{ name: string }>();
    expect(results[0]?.name).toBe('a'.repeat(254));
    const renamed = await call(`/api/files/${file.id}`, {
      method: 'PATCH',
      token: user.accessToken,
      body: { name: `broken \ud800 half` },
    });
    expect(((await renamed.json()) as { name: string }).name).toBe('broken \ufffd half');
  });

  it('should rename, keeping the name as display text only', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'x', 'a.txt');
    const res = await call(`/api/files/${file.id}`, {
      method: 'PATCH',
      body: { name: '../../etc/passwd' },
      token: user.accessToken,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe('.._.._etc_passwd');
    expect(await objectsOf(user.id)).toEqual([`files/${user.id}/${file.id}`]);
  });

  it('should delete the object, refund the quota, and end shares and signed links', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, bytesOf(500), 'gone.bin');
    const link = await signedUrlFor(user.accessToken, file.id);
    const share = (await (
      await call(`/api/files/${file.id}/shares`, { body: {}, token: user.accessToken })
    ).json()) as { url: string };
    expect((await call(`/api/files/${file.id}`, { method: 'DELETE', token: user.accessToken })).status).toBe(204);
    expect(await objectsOf(user.id)).toEqual([]);
    await expectProblem(await fetchUrl(link), 404, 'not_found');
    await expectProblem(await fetchUrl(share.url, { headers: { accept: 'application/json' } }), 404, 'not_found');
    const usage = await env.DB.prepare('SELECT used_bytes FROM storage_usage WHERE user_id = ?1')
      .bind(user.id)
      .first<{ used_bytes: number }>();
    expect(usage?.used_bytes).toBe(0);
  });

  it('should answer 404 when a row outlives its object', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'x', 'a.txt');
    await env.FILES.delete(`files/${user.id}/${file.id}`);
    await expectProblem(await fetchUrl(await signedUrlFor(user.accessToken, file.id)), 404, 'not_found');
  });

  it("should answer 404 for every route on someone else's file", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const file = await uploadFileOk(alice.accessToken, 'secret', 'a.txt');
    const attempts = [
      call(`/api/files/${file.id}`, { token: bob.accessToken }),
      call(`/api/files/${file.id}`, { method: 'PATCH', body: { name: 'mine' }, token: bob.accessToken }),
      call(`/api/files/${file.id}`, { method: 'DELETE', token: bob.accessToken }),
      call(`/api/files/${file.id}/download`, { token: bob.accessToken }),
      call(`/api/files/${file.id}/shares`, { body: {}, token: bob.accessToken }),
      call(`/api/files/${file.id}/shares`, { token: bob.accessToken }),
      call(`/api/files/${file.id}/access-logs`, { token: bob.accessToken }),
    ];
    for (const res of await Promise.all(attempts)) await expectProblem(res, 404, 'not_found');
    expect((await call(`/api/files/${file.id}`, { token: alice.accessToken })).status).toBe(200);
  });
});

describe('signed downloads', () => {
  it('should serve the file with attachment disposition, nosniff and an ETag', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'page <b>bold</b>', 'résumé "final".html', 'text/html');
    const res = await fetchUrl(await signedUrlFor(user.accessToken, file.id));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('page <b>bold</b>');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="r_sum_ _final_.html"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.html`,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
  });

  it('should show images inline', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, PNG, 'p.png', 'image/png');
    const res = await fetchUrl(await signedUrlFor(user.accessToken, file.id));
    expect(res.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(res.headers.get('content-type')).toBe('image/png');
  });

  it('should answer ranges, conditional requests and HEAD', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, '0123456789', 'digits.txt');
    const url = await signedUrlFor(user.accessToken, file.id);
    const range = await fetchUrl(url, { headers: { range: 'bytes=2-5' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await range.text()).toBe('2345');
    const suffix = await fetchUrl(url, { headers: { range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('789');
    const bad = await fetchUrl(url, { headers: { range: 'bytes=50-' } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */10');
    const etag = (await fetchUrl(url, { method: 'HEAD' })).headers.get('etag') as string;
    const head = await fetchUrl(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(await head.text()).toBe('');
    const notModified = await fetchUrl(url, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    const staleIfRange = await fetchUrl(url, { headers: { range: 'bytes=0-0', 'if-range': '"other"' } });
    expect(staleIfRange.status).toBe(200);
  });

  it('should refuse tampered, expired and method-changed links with 403', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'x', 'a.txt');
    const url = new URL(await signedUrlFor(user.accessToken, file.id));
    const longer = new URL(url);
    longer.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    const other = new URL(url);
    other.pathname = '/dl/someotherfile';
    const expired = signUrl(ORIGIN, DEVELOPMENT_KEYS.URL_SIGNING_KEYS, {
      method: 'GET',
      path: `/dl/${file.id}`,
      expiresAt: new Date(Date.now() - 1000),
    });
    for (const target of [longer.toString(), other.toString(), expired, `${ORIGIN}/dl/${file.id}`]) {
      await expectProblem(await fetchUrl(target), 403, 'forbidden');
    }
    await expectProblem(await fetchUrl(url.toString(), { method: 'DELETE' }), 403, 'forbidden');
    await expectProblem(await fetchUrl(url.toString(), { method: 'PUT', body: 'x' }), 403, 'forbidden');
  });

  it('should default to 5 minutes, allow up to 7 days, and redirect on request', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'x', 'a.txt');
    const res = await call(`/api/files/${file.id}/download`, { token: user.accessToken });
    const { expiresAt } = (await res.json()) as { expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(290_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    await expectProblem(
      await call(`/api/files/${file.id}/download?expiresIn=${8 * 86400}`, { token: user.accessToken }),
      400,
      'validation_failed',
    );
    const redirect = await call(`/api/files/${file.id}/download?redirect=1`, { token: user.accessToken });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toContain(`/dl/${file.id}?exp=`);
  });

  it('should log each download for the owner and admins', async () => {
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, '0123456789', 'a.txt');
    const url = await signedUrlFor(user.accessToken, file.id);
    await fetchUrl(url, { headers: { range: 'bytes=0-3', 'user-agent': 'curl/8', 'cf-connecting-ip': '203.0.113.9' } });
    const logs = (await (await call(`/api/files/${file.id}/access-logs`, { token: user.accessToken })).json()) as {
      items: { bytes: number; ip: string; userAgent: string; status: number; shareId: string | null }[];
    };
    expect(logs.items).toEqual([
      expect.objectContaining({ bytes: 4, ip: '203.0.113.9', userAgent: 'curl/8', status: 206, shareId: null }),
    ]);
    await expectProblem(await call('/api/admin/access-logs', { token: user.accessToken }), 403, 'forbidden');
  });
});

describe('admin storage', () => {
  it('should show totals, usage per user and the largest files, and set quotas', async () => {
    const { makeAdmin } = await import('../../../test/worker/helpers');
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const user = await registerUser();
    await uploadFileOk(user.accessToken, bytesOf(4321), 'big.bin');
    const stats = (await (await call('/api/admin/storage', { token: admin.accessToken })).json()) as {
      totals: { bytes: number; files: number };
      users: { userId: string; bytes: number; files: number }[];
      largestFiles: { size: number }[];
    };
    expect(stats.totals.bytes).toBeGreaterThanOrEqual(4321);
    expect(stats.users).toContainEqual(expect.objectContaining({ userId: user.id, bytes: 4321, files: 1 }));
    const quota = await call(`/api/admin/users/${user.id}/quota`, {
      method: 'PUT',
      body: { quotaBytes: 5000 },
      token: admin.accessToken,
    });
    expect(await quota.json()).toEqual({ userId: user.id, usedBytes: 4321, quotaBytes: 5000 });
    await expectProblem(await uploadForm(user.accessToken, bytesOf(1000), 'more.bin'), 413, 'quota_exceeded');
    const logs = await call(`/api/admin/access-logs?ownerId=${user.id}`, { token: admin.accessToken });
    expect(logs.status).toBe(200);
    await expectProblem(await call('/api/admin/storage', { token: user.accessToken }), 403, 'forbidden');
  });

  it('should report an unknown user as 404 when setting a quota', async () => {
    const { makeAdmin } = await import('../../../test/worker/helpers');
    const admin = await registerUser();
    await makeAdmin(admin.id);
    await expectProblem(
      await call('/api/admin/users/nobody/quota', { method: 'PUT', body: { quotaBytes: 1 }, token: admin.accessToken }),
      404,
      'not_found',
    );
  });
});

describe('the orphan sweep', () => {
  it('should delete objects no row points at and leave the rest', async () => {
    const { sweepOrphanObjects } = await import('./sweep');
    const { createDb } = await import('../../db/client');
    const user = await registerUser();
    const file = await uploadFileOk(user.accessToken, 'kept', 'a.txt');
    await env.FILES.put(`files/${user.id}/orphan-${randomIp()}`, 'lost');
    await sweepOrphanObjects(createDb(env.DB), env.FILES, env.KV, 0);
    expect(await objectsOf(user.id)).toEqual([`files/${user.id}/${file.id}`]);
  });
});
