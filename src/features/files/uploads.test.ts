import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import {
  bytesOf,
  call,
  expectProblem,
  ORIGIN,
  registerUser,
  sha256Hex,
  uploadFileOk,
} from '../../../test/worker/helpers';
import { createApp } from '../../app';
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

/** A request body that sends `bytes` (in 64 KiB chunks), then fails as a dropped connection does. */
function bodyThatBreaksAfter(bytes: number, prefix: Uint8Array = new Uint8Array(0)): ReadableStream<Uint8Array> {
  let sent = -1;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === -1) {
        sent = 0;
        if (prefix.length > 0) return controller.enqueue(prefix);
      }
      if (sent >= bytes) return controller.error(new Error('Network connection lost.'));
      const chunk = bytesOf(Math.min(64 * 1024, bytes - sent), sent + 1);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

/** Sends a request whose body breaks halfway straight into the app, as workerd hands it a dropped upload. */
function sendBroken(path: string, method: string, token: string, body: ReadableStream<Uint8Array>, headers = {}) {
  return createApp().request(
    `${ORIGIN}${path}`,
    { method, headers: { authorization: `Bearer ${token}`, ...headers }, body, duplex: 'half' } as RequestInit,
    env,
  );
}

async function leftovers(userId: string) {
  const files = await env.DB.prepare('SELECT id FROM files WHERE owner_id = ?1').bind(userId).all();
  const usage = await env.DB.prepare('SELECT used_bytes FROM storage_usage WHERE user_id = ?1')
    .bind(userId)
    .first<{ used_bytes: number }>();
  const objects = await env.FILES.list({ prefix: `files/${userId}/` });
  return { rows: files.results.length, usedBytes: usage?.used_bytes ?? 0, objects: objects.objects.length };
}

describe('uploads the client abandons halfway', () => {
  const quiet = () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    return {
      logged: () => ({
        warnings: warn.mock.calls.map((args) => JSON.parse(String(args[0])).msg),
        errors: error.mock.calls.map((args) => String(args[0])),
      }),
      restore: () => {
        warn.mockRestore();
        error.mockRestore();
      },
    };
  };

  it.each([
    ['a raw body', 100_000],
    ['a raw body past one R2 part', PART_SIZE + 1024 * 1024],
  ])(
    'should answer 400, log a warning and keep nothing when %s breaks off',
    async (_, bytes) => {
      const user = await registerUser();
      await uploadFileOk(user.accessToken, 'kept', 'kept.txt');
      const before = await leftovers(user.id);
      const logs = quiet();
      try {
        const res = await sendBroken('/api/files?name=half.bin', 'POST', user.accessToken, bodyThatBreaksAfter(bytes), {
          'content-type': 'application/octet-stream',
        });
        const problem = await expectProblem(res, 400, 'bad_request');
        expect(problem.detail).toMatch(/aborted/);
        expect(logs.logged().warnings).toContain('upload aborted');
        expect(logs.logged().errors).toEqual([]);
      } finally {
        logs.restore();
      }
      expect(await leftovers(user.id)).toEqual(before);
    },
    60_000,
  );

  it('should keep nothing when a multipart body breaks off inside the file', async () => {
    const user = await registerUser();
    const boundary = 'hearth-boundary';
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const logs = quiet();
    try {
      const res = await sendBroken('/api/files', 'POST', user.accessToken, bodyThatBreaksAfter(200_000, head), {
        'content-type': `multipart/form-data; boundary=${boundary}`,
      });
      await expectProblem(res, 400, 'bad_request');
      expect(logs.logged()).toEqual({ warnings: ['upload aborted'], errors: [] });
    } finally {
      logs.restore();
    }
    expect(await leftovers(user.id)).toEqual({ rows: 0, usedBytes: 0, objects: 0 });
  });

  it('should answer 400 when the connection drops, as workerd reports it', async () => {
    const user = await registerUser();
    const { readable, writable } = new FixedLengthStream(100_000);
    const writer = writable.getWriter();
    const sent = exports.default.fetch(`${ORIGIN}/api/files?name=half.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/octet-stream' },
      body: readable,
    });
    await writer.write(bytesOf(40_000));
    await writer.abort(new Error('gone')).catch(() => {});
    await expectProblem(await sent, 400, 'bad_request');
    expect(await leftovers(user.id)).toEqual({ rows: 0, usedBytes: 0, objects: 0 });
  });

  it('should record no part that broke off, and take the part again whole', async () => {
    const user = await registerUser();
    const upload = await start(user.accessToken, PART_SIZE + 100);
    const logs = quiet();
    try {
      const res = await sendBroken(
        `/api/files/uploads/${upload.uploadId}/parts/1`,
        'PUT',
        user.accessToken,
        bodyThatBreaksAfter(1024 * 1024),
        { 'content-length': String(PART_SIZE) },
      );
      const problem = await expectProblem(res, 400, 'bad_request');
      expect(problem.detail).toMatch(/aborted/);
      expect(logs.logged()).toEqual({ warnings: ['upload aborted'], errors: [] });
    } finally {
      logs.restore();
    }
    const resumed = (await (
      await call(`/api/files/uploads/${upload.uploadId}`, { token: user.accessToken })
    ).json()) as Upload;
    expect(resumed.parts).toEqual([]);
    expect((await putPart(user.accessToken, upload.uploadId, 1, bytesOf(PART_SIZE))).status).toBe(200);
  }, 60_000);
});
