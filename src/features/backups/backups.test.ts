import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  bytesOf,
  call,
  expectProblem,
  fetchUrl,
  registerUser,
  sha256Hex,
  uploadFileOk,
} from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { backups } from '../../db/schema';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { validateArchive } from './archive-reader';
import { PART_SIZE } from './archive-sink';
import { digestHasher, runBackupStep } from './backup-job';
import { latestSlot, runSchedule } from './backups.service';
import { runBackupJob } from './jobs';
import { currentDeployment } from './restore';
import {
  adminUser,
  backUp,
  downloadArchive,
  finished,
  type PublicBackup,
  readArchive,
  rowsOf,
  waitFor,
} from './test-support';

/** Checks the archive's promise: every file row has its object with its hash, and no object is without its row. */
async function expectConsistent(bytes: Uint8Array) {
  const { manifest, byName } = await readArchive(bytes);
  const fileRows = rowsOf(byName, 'files');
  const objectNames = [...byName.keys()].filter((name) => name.startsWith('objects/'));
  expect(objectNames.length).toBe(fileRows.length);
  for (const row of fileRows) {
    const data = byName.get(`objects/${row.r2_key}`);
    expect(data, `object of ${row.id}`).toBeDefined();
    const listed = manifest.objects.find((object) => object.key === row.r2_key);
    expect(listed).toMatchObject({ fileId: row.id, size: row.size, sha256: await sha256Hex(data as Uint8Array) });
    if (row.sha256) expect(row.sha256).toBe(listed?.sha256);
  }
  return { manifest, byName, fileRows };
}

describe('backups', { timeout: 120_000 }, () => {
  it('should refuse anyone without backups.manage, and a signed-out caller', async () => {
    const user = await registerUser();
    await expectProblem(await call('/api/backups', { method: 'POST', token: user.accessToken }), 403, 'forbidden');
    await expectProblem(await call('/api/backups', { token: user.accessToken }), 403, 'forbidden');
    await expectProblem(await call('/api/backups/schedule', { token: user.accessToken }), 403, 'forbidden');
    await expectProblem(await call('/api/backups'), 401, 'unauthorized');
  });

  it('should write one tar with every table, every file object and a manifest of hashes, served by a signed URL with Range', async () => {
    const admin = await adminUser();
    const owner = await registerUser();
    const small = await uploadFileOk(owner.accessToken, 'hello, hearth', 'hello.txt');
    const big = bytesOf(PART_SIZE + 12345, 7);
    const large = await uploadFileOk(owner.accessToken, big, 'large.bin', 'application/octet-stream');
    const done = await backUp(admin.accessToken);
    expect(done.progress.objectsDone).toBe(done.progress.objectsTotal);
    expect(done.sizeBytes).toBeGreaterThan(big.length);

    const bytes = await downloadArchive(admin.accessToken, done.id);
    expect(bytes.length).toBe(done.sizeBytes);
    const { manifest, byName, fileRows } = await expectConsistent(bytes);
    expect(manifest).toMatchObject({ format: 'hearth-backup', formatVersion: 1, backupId: done.id });
    expect(manifest.migrations).toContain('0013_backups.sql');
    expect(fileRows.map((row) => row.id)).toEqual(expect.arrayContaining([small.id, large.id]));
    expect(
      await sha256Hex(byName.get(`objects/${fileRows.find((r) => r.id === large.id)?.r2_key}`) as Uint8Array),
    ).toBe(await sha256Hex(big));
    // Password hashes stay; sessions, tokens and codes do not, and the manifest says so.
    const users = rowsOf(byName, 'users');
    expect(users.find((row) => row.id === owner.id)?.password_hash).toEqual(expect.any(String));
    for (const left of ['sessions', 'refresh_tokens', 'one_time_tokens', 'otp_codes', 'dev_outbox', 'backups']) {
      expect([...byName.keys()].some((name) => name.startsWith(`tables/${left}/`))).toBe(false);
      expect(manifest.excluded.map((entry) => entry.name)).toContain(left);
    }
    const usersTable = manifest.tables.find((table) => table.name === 'users');
    expect(usersTable?.rows).toBe(users.length);
    // The manifest is checked by the same validation a restore runs.
    const stream = new Blob([bytes]).stream();
    await expect(
      validateArchive(stream, { key: null, newHasher: digestHasher }, await currentDeployment(env.DB)),
    ).resolves.toMatchObject({ backupId: done.id });

    const link = (await (await call(`/api/backups/${done.id}/download`, { token: admin.accessToken })).json()) as {
      url: string;
    };
    const ranged = await fetchUrl(link.url, { headers: { range: 'bytes=0-511' } });
    expect(ranged.status).toBe(206);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytes.subarray(0, 512));
    const forged = new URL(link.url);
    forged.searchParams.set('sig', 'x'.repeat(43));
    expect((await fetchUrl(forged.toString())).status).toBe(403);

    const listed = (await (await call('/api/backups', { token: admin.accessToken })).json()) as {
      items: PublicBackup[];
    };
    expect(listed.items[0]?.id).toBe(done.id);
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target_id = ?1 AND action LIKE 'backup.%' ORDER BY at",
    )
      .bind(done.id)
      .all<{ action: string }>();
    expect(audit.results.map((row) => row.action)).toEqual(['backup.create', 'backup.download', 'backup.download']);
  });

  it('should run one backup at a time: of parallel requests one is queued and the rest are 409', async () => {
    const admin = await adminUser();
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => call('/api/backups', { method: 'POST', token: admin.accessToken })),
    );
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409]);
    const queued = responses.find((res) => res.status === 202) as Response;
    const { id } = (await queued.json()) as PublicBackup;
    await expectProblem(responses.find((res) => res.status === 409) as Response, 409, 'conflict');
    // Deleting a running backup is refused too; once done it goes, archive and all.
    await waitFor(admin.accessToken, id, finished);
    const row = await createDb(env.DB).select().from(backups).all();
    const r2Key = row.find((entry) => entry.id === id)?.r2Key as string;
    expect(await env.FILES.head(r2Key)).not.toBeNull();
    expect((await call(`/api/backups/${id}`, { method: 'DELETE', token: admin.accessToken })).status).toBe(204);
    expect(await env.FILES.head(r2Key)).toBeNull();
    await expectProblem(await call(`/api/backups/${id}`, { token: admin.accessToken }), 404, 'not_found');
  });

  it('should spread many objects over several queue messages and ignore a message delivered twice', async () => {
    const admin = await adminUser();
    const owner = await registerUser();
    const uploaded = await Promise.all(
      Array.from({ length: 150 }, (_, i) => uploadFileOk(owner.accessToken, bytesOf(2000 + i, i + 1), `f${i}.bin`)),
    );
    const done = await backUp(admin.accessToken);
    const [row] = await createDb(env.DB).select().from(backups).where(eq(backups.id, done.id));
    // A message stops taking pages once it has 64 pages and objects: 150 objects need three messages.
    expect(row?.step).toBeGreaterThanOrEqual(3);
    const { fileRows } = await expectConsistent(await downloadArchive(admin.accessToken, done.id));
    expect(fileRows.map((file) => file.id)).toEqual(expect.arrayContaining(uploaded.map((file) => file.id)));
    // A redelivered message of any step finds nothing to do.
    for (const step of [0, 1, 2]) {
      expect(await runBackupJob(env, { type: 'backup', action: 'backup', backupId: done.id, step })).toEqual({
        outcome: 'duplicate',
      });
    }
    const again = await downloadArchive(admin.accessToken, done.id);
    expect(again.length).toBe(done.sizeBytes);
  });

  it('should re-run a step cleanly after its worker died halfway, and refuse the step while a live worker holds it', async () => {
    const admin = await adminUser();
    const owner = await registerUser();
    await Promise.all(Array.from({ length: 20 }, (_, i) => uploadFileOk(owner.accessToken, bytesOf(70_000, i + 50))));
    const id = newId();
    await createDb(env.DB)
      .insert(backups)
      .values({ id, origin: 'manual', status: 'queued', busy: 1, createdAt: now(), r2Key: `backups/${id}.tar` });
    const limits = { items: 8, bytes: 1 << 30, milliseconds: 60_000, pageRows: 1000, filePageRows: 5 };
    // A worker that fails after uploading its parts and its tail but before committing.
    await expect(
      runBackupStep(env, id, 0, limits, { beforeCommit: () => Promise.reject(new Error('died')) }),
    ).rejects.toThrow('died');
    // While a live worker holds the step, a second delivery is told to come back later…
    await env.DB.prepare('UPDATE backups SET lease_until = ?1 WHERE id = ?2')
      .bind(Date.now() + 60_000, id)
      .run();
    await expect(runBackupStep(env, id, 0, limits)).rejects.toThrow('another worker');
    // …and once that worker's lease has run out (it died), the step runs again from its cursor.
    await env.DB.prepare('UPDATE backups SET lease_until = 1 WHERE id = ?1').bind(id).run();
    expect(await runBackupStep(env, id, 0, limits)).toEqual({ outcome: 'continued', step: 1 });
    // The queue carries on from step 1.
    const done = await waitFor(admin.accessToken, id, finished);
    expect(done.status).toBe('done');
    await expectConsistent(await downloadArchive(admin.accessToken, id));
  });

  it('should keep its promise while files are uploaded and deleted during the backup', async () => {
    const admin = await adminUser();
    const owner = await registerUser();
    const files = await Promise.all(
      Array.from({ length: 120 }, (_, i) => uploadFileOk(owner.accessToken, bytesOf(30_000, i + 300), `c${i}.bin`)),
    );
    // An object gone behind its row's back (as when a delete lands between the two reads): the row is dropped.
    const [vanishing] = await env.DB.prepare('SELECT r2_key FROM files WHERE id = ?1')
      .bind(files[0]?.id)
      .all<{ r2_key: string }>()
      .then((result) => result.results);
    await env.FILES.delete(vanishing?.r2_key as string);
    const res = await call('/api/backups', { method: 'POST', token: admin.accessToken });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as PublicBackup;
    const churn = (async () => {
      for (let i = 1; i < 40; i += 2) {
        await call(`/api/files/${files[i]?.id}`, { method: 'DELETE', token: owner.accessToken });
        await uploadFileOk(owner.accessToken, bytesOf(5000, i + 900), `new${i}.bin`);
      }
    })();
    await churn;
    const done = await waitFor(admin.accessToken, id, finished);
    expect(done.status).toBe('done');
    const { manifest, fileRows } = await expectConsistent(await downloadArchive(admin.accessToken, id));
    expect(fileRows.some((row) => row.id === files[0]?.id)).toBe(false);
    expect(manifest.droppedFileRows).toBeGreaterThanOrEqual(1);
  });

  it('should keep a schedule, start a due backup once per slot and prune beyond keep', async () => {
    const admin = await adminUser();
    await expectProblem(
      await call('/api/backups/schedule', {
        method: 'PUT',
        token: admin.accessToken,
        body: { frequency: 'weekly', hourUtc: 3, keep: 2 },
      }),
      400,
      'validation_failed',
    );
    await expectProblem(
      await call('/api/backups/schedule', {
        method: 'PUT',
        token: admin.accessToken,
        body: { frequency: 'daily', hourUtc: 24, keep: 2 },
      }),
      400,
      'validation_failed',
    );
    const put = await call('/api/backups/schedule', {
      method: 'PUT',
      token: admin.accessToken,
      body: { frequency: 'daily', hourUtc: 0, keep: 1 },
    });
    expect(put.status).toBe(200);
    expect(await (await call('/api/backups/schedule', { token: admin.accessToken })).json()).toEqual({
      frequency: 'daily',
      hourUtc: 0,
      weekday: null,
      keep: 1,
    });
    expect(
      latestSlot({ frequency: 'weekly', hourUtc: 5, weekday: 0, keep: 1 }, new Date('2026-12-03T10:00:00Z')),
    ).toEqual(new Date('2026-11-29T05:00:00Z'));
    // Pretend the schedule was set two days ago, so today's slot is owed.
    await env.DB.prepare("UPDATE backup_schedule SET updated_at = ?1 WHERE id = 'default'")
      .bind(Date.now() - 2 * 86_400_000)
      .run();
    const db = createDb(env.DB);
    const first = await runSchedule(env, db);
    expect(first.started).toBe(true);
    expect((await runSchedule(env, db)).started).toBe(false);
    const scheduled = (await db.select().from(backups)).filter((row) => row.origin === 'scheduled');
    expect(scheduled).toHaveLength(1);
    await waitFor(admin.accessToken, scheduled[0]?.id as string, finished);
    // A second scheduled archive (yesterday's slot, say): keep = 1 prunes the older one.
    await env.DB.prepare("UPDATE backup_schedule SET last_slot_at = 0, updated_at = 0 WHERE id = 'default'").run();
    await env.DB.prepare('UPDATE backups SET id = ?1 WHERE id = ?2')
      .bind(`0${scheduled[0]?.id.slice(1)}`, scheduled[0]?.id)
      .run();
    await runSchedule(env, db);
    const next = (await db.select().from(backups)).filter((row) => row.origin === 'scheduled' && row.busy === 1);
    await waitFor(admin.accessToken, next[0]?.id as string, finished);
    const result = await runSchedule(env, db);
    expect(result.pruned).toBe(1);
    const left = (await db.select().from(backups)).filter((row) => row.origin === 'scheduled');
    expect(left.map((row) => row.id)).toEqual([next[0]?.id]);
  });
});
