import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  call,
  expectProblem,
  fetchUrl,
  makeAdmin,
  registerUser,
  type TestUser,
  uniqueEmail,
  uploadFileOk,
} from '../../../test/worker/helpers';
import { newId } from '../../lib/ids';

interface AdminAccessLog {
  id: string;
  fileId: string;
  fileName: string | null;
  ownerId: string;
  ownerEmail: string | null;
  userId: string | null;
  userEmail: string | null;
  status: number;
}

async function registerAdmin(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

async function download(token: string, fileId: string): Promise<void> {
  const res = await call(`/api/files/${fileId}/download`, { token });
  const { url } = (await res.json()) as { url: string };
  expect((await fetchUrl(url)).status).toBe(200);
}

async function accessLogs(token: string, query: Record<string, string>): Promise<AdminAccessLog[]> {
  const res = await call(`/api/admin/access-logs?${new URLSearchParams(query)}`, { token });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: AdminAccessLog[] }).items;
}

/** A download by a signed-in account, as the log schema allows (shares and signed links leave it empty). */
async function logDownloadBy(fileId: string, ownerId: string, userId: string): Promise<void> {
  await env.DB.prepare(
    'INSERT INTO access_logs (id, at, file_id, owner_id, user_id, bytes, status) VALUES (?1, ?2, ?3, ?4, ?5, 1, 200)',
  )
    .bind(newId(), Date.now(), fileId, ownerId, userId)
    .run();
}

describe('GET /api/admin/access-logs', () => {
  it('should name the file and the owner’s and downloader’s emails on each entry', async () => {
    const admin = await registerAdmin();
    const owner = await registerUser({ email: uniqueEmail('owner') });
    const reader = await registerUser({ email: uniqueEmail('reader') });
    const file = await uploadFileOk(owner.accessToken, 'minutes', 'Board minutes.txt');
    await download(owner.accessToken, file.id);
    await logDownloadBy(file.id, owner.id, reader.id);

    const items = await accessLogs(admin.accessToken, { fileId: file.id });
    expect(items.map((item) => [item.fileName, item.ownerEmail, item.userEmail])).toEqual([
      ['Board minutes.txt', owner.email, reader.email],
      ['Board minutes.txt', owner.email, null],
    ]);
  });

  it('should filter by part of the file name, ignoring case, and take % and _ literally', async () => {
    const admin = await registerAdmin();
    const owner = await registerUser();
    const tag = crypto.randomUUID().slice(0, 8);
    const wanted = await uploadFileOk(owner.accessToken, 'a', `Quarterly_${tag} report.pdf`, 'application/pdf');
    const other = await uploadFileOk(owner.accessToken, 'b', `Quarterlyx${tag} notes.txt`);
    await download(owner.accessToken, wanted.id);
    await download(owner.accessToken, other.id);

    const byName = await accessLogs(admin.accessToken, { file: `quarterly_${tag.toUpperCase()}` });
    expect(byName.map((item) => item.fileId)).toEqual([wanted.id]);
    const both = await accessLogs(admin.accessToken, { file: tag });
    expect(both.map((item) => item.fileId).sort()).toEqual([wanted.id, other.id].sort());
    expect(await accessLogs(admin.accessToken, { file: `${tag}%` })).toEqual([]);
  });

  it('should filter by part of the owner’s or the downloader’s email', async () => {
    const admin = await registerAdmin();
    const tag = crypto.randomUUID().slice(0, 8);
    const owner = await registerUser({ email: `owner-${tag}@example.com` });
    const reader = await registerUser({ email: `reader-${tag}@example.com` });
    const stranger = await registerUser();
    const file = await uploadFileOk(owner.accessToken, 'x', 'shared.txt');
    const strangers = await uploadFileOk(stranger.accessToken, 'y', 'own.txt');
    await download(owner.accessToken, file.id);
    await logDownloadBy(strangers.id, stranger.id, reader.id);

    const byOwner = await accessLogs(admin.accessToken, { email: `OWNER-${tag}` });
    expect(byOwner.map((item) => item.fileId)).toEqual([file.id]);
    const byReader = await accessLogs(admin.accessToken, { email: `reader-${tag}@example.com` });
    expect(byReader.map((item) => [item.fileId, item.userEmail])).toEqual([[strangers.id, reader.email]]);
    const byTag = await accessLogs(admin.accessToken, { email: tag });
    expect(byTag.map((item) => item.fileId).sort()).toEqual([file.id, strangers.id].sort());
    expect(await accessLogs(admin.accessToken, { email: `${tag}@nowhere.example` })).toEqual([]);
  });

  it('should keep entries of a deleted file, with no name', async () => {
    const admin = await registerAdmin();
    const owner = await registerUser();
    const file = await uploadFileOk(owner.accessToken, 'gone soon', 'ephemeral.txt');
    await download(owner.accessToken, file.id);
    expect((await call(`/api/files/${file.id}`, { method: 'DELETE', token: owner.accessToken })).status).toBe(204);
    const items = await accessLogs(admin.accessToken, { fileId: file.id });
    expect(items.map((item) => [item.fileName, item.ownerEmail])).toEqual([[null, owner.email]]);
  });

  it('should refuse filters that are empty or too long with 400, and non-admins with 403', async () => {
    const admin = await registerAdmin();
    const user = await registerUser();
    await expectProblem(
      await call(`/api/admin/access-logs?email=${'a'.repeat(321)}`, { token: admin.accessToken }),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/api/admin/access-logs?file=%20', { token: admin.accessToken }),
      400,
      'validation_failed',
    );
    await expectProblem(await call('/api/admin/access-logs?file=x', { token: user.accessToken }), 403, 'forbidden');
  });
});
