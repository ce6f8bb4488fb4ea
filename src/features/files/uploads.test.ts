import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bytesOf, call, expectProblem, ORIGIN, registerUser, sha256Hex } from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { PART_SIZE } from './object-writer';
import { abortStaleUploads } from './uploads.service';

interface Upload {
  uploadId: string;
  partSize: number;
  partCount: number;
  parts: { partNumber: number; size: number }[];
}

function putPart(token: string, uploadId: string, n: number, bytes: Uint8Array) {
  return exports.default.fetch(`${ORIGIN}/api/files/uploads/${uploadId}/parts/${n}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
}

async function start(token: string, size: number, name = 'video.mp4') {
  const res = await call('/api/files/uploads', { body: { name, size }, token });
  expect(res.status).toBe(201);
  return (await res.json()) as Upload;
}

describe('resumable uploads', () => {
  it('should take parts in any order, retried, list them to resume, and assemble the file', async () => {
    const user = await registerUser();
    const bytes = bytesOf(2 * PART_SIZE + 1234, 3);
    const upload = await start(user.accessToken, bytes.length);
    expect(upload).toMatchObject({ partSize: PART_SIZE, partCount: 3, parts: [] });
    const part = (n: number) => bytes.subarray((n - 1) * PART_SIZE, Math.min(bytes.length, n * PART_SIZE));
    expect((await putPart(user.accessToken, upload.uploadId, 3, part(3))).status).toBe(200);
    expect((await putPart(user.accessToken, upload.uploadId, 1, part(1))).status).toBe(200);
    // A retry of the same part replaces it.
    expect((await putPart(user.accessToken, upload.uploadId, 1, part(1))).status).toBe(200);
    const resume = (await (
      await call(`/api/files/uploads/${upload.uploadId}`, { token: user.accessToken })
    ).json()) as Upload;
    expect(resume.parts.map((p) => p.partNumber)).toEqual([1, 3]);
    const early = await call(`/api/files/uploads/${upload.uploadId}/complete`, {
      method: 'POST',
      token: user.accessToken,
    });
    const problem = await expectProblem(early, 409, 'conflict');
    expect(problem.detail).toContain('2');
    expect((await putPart(user.accessToken, upload.uploadId, 2, part(2))).status).toBe(200);
    const done = await call(`/api/files/uploads/${upload.uploadId}/complete`, {
      method: 'POST',
      token: user.accessToken,
    });
    expect(done.status).toBe(201);
    const file = (await done.json()) as { id: string; size: number };
    expect(file.size).toBe(bytes.length);
    const link = (await (await call(`/api/files/${file.id}/download`, { token: user.accessToken })).json()) as {
      url: string;
    };
    const body = await (await exports.default.fetch(link.url)).arrayBuffer();
    expect(await sha256Hex(body)).toBe(await sha256Hex(bytes));
    // The hash of an assembled file is computed on the queue.
    await expect
      .poll(
        async () =>
          (
            (await (await call(`/api/files/${file.id}`, { token: user.accessToken })).json()) as {
              sha256: string | null;
            }
          ).sha256,
        {
          timeout: 15_000,
        },
      )
      .toBe(await sha256Hex(bytes));
    await expectProblem(
      await call(`/api/files/uploads/${upload.uploadId}`, { token: user.accessToken }),
      404,
      'not_found',
    );
  });

  it('should assemble a file far past the 100 MB request limit', async () => {
    const user = await registerUser();
    const parts = 12;
    const size = parts * PART_SIZE - 5;
    const upload = await start(user.accessToken, size, 'archive.tar');
    const lastPart = bytesOf(PART_SIZE - 5, parts);
    for (let n = 1; n <= parts; n++) {
      const bytes = n === parts ? lastPart : bytesOf(PART_SIZE, n);
      expect((await putPart(user.accessToken, upload.uploadId, n, bytes)).status).toBe(200);
    }
    const done = await call(`/api/files/uploads/${upload.uploadId}/complete`, {
      method: 'POST',
      token: user.accessToken,
    });
    expect(done.status).toBe(201);
    const file = (await done.json()) as { id: string; size: number };
    expect(file.size).toBe(size);
    expect(size).toBeGreaterThan(100 * 1024 * 1024);
    const link = (await (await call(`/api/files/${file.id}/download`, { token: user.accessToken })).json()) as {
      url: string;
    };
    const tail = await exports.default.fetch(link.url, { headers: { range: 'bytes=-1000' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(lastPart.subarray(lastPart.length - 1000));
  }, 120_000);

  it('should refuse a part of the wrong size or number', async () => {
    const user = await registerUser();
    const upload = await start(user.accessToken, 100);
    await expectProblem(await putPart(user.accessToken, upload.uploadId, 1, bytesOf(99)), 400, 'validation_failed');
    await expectProblem(await putPart(user.accessToken, upload.uploadId, 1, bytesOf(101)), 413, 'payload_too_large');
    await expectProblem(await putPart(user.accessToken, upload.uploadId, 2, bytesOf(100)), 400, 'validation_failed');
    expect((await putPart(user.accessToken, upload.uploadId, 1, bytesOf(100))).status).toBe(200);
  });

  it('should refuse an upload larger than the quota before a byte is sent', async () => {
    const user = await registerUser();
    const res = await call('/api/files/uploads', {
      body: { name: 'huge.iso', size: 2 * 1024 ** 3 },
      token: user.accessToken,
    });
    await expectProblem(res, 413, 'quota_exceeded');
  });

  it('should abort on request and when stale', async () => {
    const user = await registerUser();
    const upload = await start(user.accessToken, 100);
    expect(
      (await call(`/api/files/uploads/${upload.uploadId}`, { method: 'DELETE', token: user.accessToken })).status,
    ).toBe(204);
    await expectProblem(await putPart(user.accessToken, upload.uploadId, 1, bytesOf(100)), 404, 'not_found');
    const stale = await start(user.accessToken, 100);
    await env.DB.prepare('UPDATE uploads SET expires_at = ?1 WHERE id = ?2')
      .bind(Date.now() - 1, stale.uploadId)
      .run();
    expect(await abortStaleUploads(createDb(env.DB), env.FILES)).toBeGreaterThanOrEqual(1);
    const row = await env.DB.prepare('SELECT id FROM uploads WHERE id = ?1').bind(stale.uploadId).first();
    expect(row).toBeNull();
  });

  it("should answer 404 for someone else's upload", async () => {
    const alice = await registerUser();
    const bob = await registerUser();
    const upload = await start(alice.accessToken, 100);
    await expectProblem(
      await call(`/api/files/uploads/${upload.uploadId}`, { token: bob.accessToken }),
      404,
      'not_found',
    );
    await expectProblem(await putPart(bob.accessToken, upload.uploadId, 1, bytesOf(100)), 404, 'not_found');
    await expectProblem(
      await call(`/api/files/uploads/${upload.uploadId}/complete`, { method: 'POST', token: bob.accessToken }),
      404,
      'not_found',
    );
  });
});
