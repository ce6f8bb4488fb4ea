import { env, exports } from 'cloudflare:workers';
import { packTar, unpackTar } from 'modern-tar';
import { describe, expect, it } from 'vitest';
import {
  bytesOf,
  call,
  expectProblem,
  fetchUrl,
  makeAdmin,
  ORIGIN,
  registerUser,
  sha256Hex,
  uploadFileOk,
} from '../../../test/worker/helpers';
import { createDb } from '../../db/client';
import { backups } from '../../db/schema';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { ArchiveError, validateArchive } from './archive-reader';
import { digestHasher, runBackupStep } from './backup-job';
import { currentDeployment } from './restore';
import { FRAME, isSealed } from './seal';
import { backedUpTables, clearedOnRestore, quote } from './tables';
import { adminUser, backUp, finished, type PublicBackup, waitFor } from './test-support';

/** Every row of every table a backup holds, in primary-key order. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of backedUpTables()) {
    const { results } = await env.DB.prepare(
      `SELECT * FROM ${quote(table.name)} ORDER BY ${table.primaryKey.map(quote).join(', ')}`,
    ).all();
    out[table.name] = results;
  }
  return out;
}

async function objectHashes(): Promise<Map<string, string>> {
  const { results } = await env.DB.prepare('SELECT r2_key FROM files').all<{ r2_key: string }>();
  const out = new Map<string, string>();
  for (const { r2_key } of results) {
    const object = await env.FILES.get(r2_key);
    out.set(r2_key, object ? await sha256Hex(await object.arrayBuffer()) : 'missing');
  }
  return out;
}

/** Makes this deployment empty, as a new one is: no rows in any data table, no file objects. */
async function wipe() {
  // A new deployment has the built-in roles its migrations seed, and nothing else.
  const keep = new Set(['backups', 'backup_schedule', 'roles', 'role_permissions']);
  const order = backedUpTables().map((table) => table.name);
  const tables = [...clearedOnRestore().filter((name) => !order.includes(name)), ...order.reverse()];
  await env.DB.batch(
    tables.filter((name) => !keep.has(name)).map((name) => env.DB.prepare(`DELETE FROM ${quote(name)}`)),
  );
  for (;;) {
    const listing = await env.FILES.list({ prefix: 'files/' });
    if (listing.objects.length === 0) break;
    await env.FILES.delete(listing.objects.map((object) => object.key));
  }
}

/** The restore's state, read from D1: the restore signs everyone out, the admin who started it too. */
async function waitForRestore(id: string) {
  let row: { restore_status: string | null; restore_error: string | null } | null = null;
  await expect
    .poll(
      async () => {
        row = await env.DB.prepare('SELECT restore_status, restore_error FROM backups WHERE id = ?1').bind(id).first();
        return row?.restore_status === 'done' || row?.restore_status === 'failed';
      },
      { timeout: 120_000, interval: 250 },
    )
    .toBe(true);
  return row as unknown as { restore_status: string; restore_error: string | null };
}

async function uploadLarge(token: string, bytes: Uint8Array, name: string) {
  const started = await call('/api/files/uploads', { token, body: { name, size: bytes.length } });
  expect(started.status).toBe(201);
  const upload = (await started.json()) as { uploadId: string; partSize: number; partCount: number };
  for (let n = 1; n <= upload.partCount; n++) {
    const part = bytes.subarray((n - 1) * upload.partSize, Math.min(bytes.length, n * upload.partSize));
    const res = await exports.default.fetch(`${ORIGIN}/api/files/uploads/${upload.uploadId}/parts/${n}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: part,
    });
    expect(res.status).toBe(200);
  }
  const done = await call(`/api/files/uploads/${upload.uploadId}/complete`, { method: 'POST', token });
  expect(done.status).toBe(201);
  return (await done.json()) as { id: string };
}

async function archiveBytes(id: string): Promise<Uint8Array> {
  const [row] = await createDb(env.DB)
    .select()
    .from(backups)
    .all()
    .then((rows) => rows.filter((r) => r.id === id));
  const object = await env.FILES.get(row?.r2Key as string);
  return new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
}

/** Logs that keep growing while the test runs (the job that restores writes to them too). */
const LOGS = ['audit_log', 'ops_queue_events', 'ops_errors'];

const withoutLogs = (data: Record<string, unknown[]>) =>
  Object.fromEntries(Object.entries(data).filter(([name]) => !LOGS.includes(name)));

/** Multipart uploads are hashed by a queued job; the snapshot waits for it. */
async function hashesComputed() {
  await expect
    .poll(async () => env.DB.prepare('SELECT count(*) AS n FROM files WHERE sha256 IS NULL').first('n'), {
      timeout: 60_000,
      interval: 250,
    })
    .toBe(0);
}

/** Uploads archive bytes through the files API and imports them; waits for the import to finish. */
async function importArchive(token: string, bytes: Uint8Array): Promise<PublicBackup> {
  const file = await uploadFileOk(token, bytes, 'backup.tar', 'application/x-tar');
  const res = await call('/api/backups/import', { token, body: { fileId: file.id } });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as PublicBackup;
  return waitFor(token, id, finished);
}

describe('restore', { timeout: 300_000 }, () => {
  it('should encrypt in authenticated chunks and refuse a wrong key, a changed, moved or missing chunk', async () => {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const sealedEnv = { ...env, BACKUP_ENCRYPTION_KEY: key };
    const owner = await registerUser();
    await uploadFileOk(owner.accessToken, bytesOf(300_000, 9), 'sealed.bin');
    const id = newId();
    await createDb(env.DB)
      .insert(backups)
      .values({
        id,
        origin: 'manual',
        status: 'queued',
        busy: 1,
        createdAt: now(),
        r2Key: `backups/${id}.tar.enc`,
        encrypted: true,
      });
    const all = { items: 1e9, bytes: 2 ** 40, milliseconds: 600_000, pageRows: 1000, filePageRows: 50 };
    expect(await runBackupStep(sealedEnv, id, 0, all)).toMatchObject({ outcome: 'done' });
    const sealed = await archiveBytes(id);
    expect(isSealed(sealed)).toBe(true);
    const deployment = await currentDeployment(env.DB);
    const check = async (bytes: Uint8Array, raw: string | null) => {
      const cryptoKey = raw
        ? await crypto.subtle.importKey(
            'raw',
            Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)),
            'AES-GCM',
            false,
            ['decrypt'],
          )
        : null;
      return validateArchive(new Blob([bytes]).stream(), { key: cryptoKey, newHasher: digestHasher }, deployment);
    };
    await expect(check(sealed, key)).resolves.toMatchObject({ backupId: id });
    const other = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    await expect(check(sealed, other)).rejects.toThrow(/cannot be decrypted/);
    await expect(check(sealed, null)).rejects.toThrow(ArchiveError);
    const header = 8 + 1 + id.length;
    const flipped = sealed.slice();
    flipped[header + FRAME + 40] = (flipped[header + FRAME + 40] as number) ^ 1;
    await expect(check(flipped, key)).rejects.toThrow(/chunk 1/);
    if (sealed.length > header + 3 * FRAME) {
      const swapped = sealed.slice();
      swapped.set(sealed.subarray(header + FRAME, header + 2 * FRAME), header);
      swapped.set(sealed.subarray(header, header + FRAME), header + FRAME);
      await expect(check(swapped, key)).rejects.toThrow(ArchiveError);
    }
    const cut = sealed.subarray(0, sealed.length - ((sealed.length - header) % FRAME || FRAME));
    await expect(check(cut, key)).rejects.toThrow(ArchiveError);
  });
  it('should refuse a deployment that holds data unless told to replace everything, and a damaged archive before writing', async () => {
    const admin = await adminUser();
    const owner = await registerUser();
    await uploadFileOk(owner.accessToken, bytesOf(50_000, 3), 'keep.bin');
    const done = await backUp(admin.accessToken);
    const refused = await expectProblem(
      await call(`/api/backups/${done.id}/restore`, { token: admin.accessToken, body: {} }),
      409,
      'conflict',
    );
    expect(refused.detail).toContain('replace everything');
    await expectProblem(
      await call(`/api/backups/${done.id}/restore`, { token: admin.accessToken, body: { confirm: 'yes' } }),
      400,
      'validation_failed',
    );

    // One byte changed inside an object's body: refused, and nothing in the deployment changes.
    const bytes = await archiveBytes(done.id);
    const entries = await unpackTar(bytes);
    const objectName = entries
      .filter((entry) => entry.header.name.startsWith('objects/'))
      .sort((a, b) => b.header.size - a.header.size)[0]?.header.name as string;
    const at = findEntryOffset(bytes, objectName) + 512 + 100;
    const tampered = bytes.slice();
    tampered[at] = (tampered[at] as number) ^ 0xff;
    const [row] = (await createDb(env.DB).select().from(backups).all()).filter((entry) => entry.id === done.id);
    await env.FILES.put(row?.r2Key as string, tampered);
    await uploadFileOk(owner.accessToken, 'written after the backup', 'later.txt');
    const before = await snapshot();
    const hashes = await objectHashes();
    const res = await call(`/api/backups/${done.id}/restore`, {
      token: admin.accessToken,
      body: { confirm: 'replace everything' },
    });
    expect(res.status).toBe(202);
    const failed = await waitForRestore(done.id);
    expect(failed.restore_status).toBe('failed');
    expect(failed.restore_error).toMatch(/SHA-256/);
    expect(withoutLogs(await snapshot())).toEqual(withoutLogs(before));
    expect(await objectHashes()).toEqual(hashes);

    // The same archive, imported through the files API, is refused the same way.
    const imported = await importArchive(admin.accessToken, tampered);
    expect(imported.status).toBe('failed');
    expect(imported.error).toMatch(/SHA-256/);
    // The untouched archive imports, and restores with the confirmation.
    const good = await importArchive(admin.accessToken, bytes);
    expect(good).toMatchObject({ status: 'done', origin: 'import' });
    const again = await call(`/api/backups/${good.id}/restore`, {
      token: admin.accessToken,
      body: { confirm: 'replace everything' },
    });
    expect(again.status).toBe(202);
    expect(await waitForRestore(good.id)).toEqual({ restore_status: 'done', restore_error: null });
    const { results } = await env.DB.prepare("SELECT name FROM files WHERE name = 'later.txt'").all();
    expect(results).toEqual([]);
  });

  it('should refuse an archive of a newer format or from unknown migrations', async () => {
    const admin = await adminUser();
    const done = await backUp(admin.accessToken);
    const entries = await unpackTar(await archiveBytes(done.id));
    const rewrite = async (change: (manifest: Record<string, unknown>) => void) => {
      const copy = entries.map((entry) => ({ header: { ...entry.header }, body: entry.data as Uint8Array }));
      const last = copy.at(-1) as (typeof copy)[number];
      const manifest = JSON.parse(new TextDecoder().decode(last.body)) as Record<string, unknown>;
      change(manifest);
      last.body = new TextEncoder().encode(JSON.stringify(manifest));
      last.header.size = last.body.length;
      return packTar(copy);
    };
    const newer = await importArchive(admin.accessToken, await rewrite((m) => Object.assign(m, { formatVersion: 2 })));
    expect(newer).toMatchObject({ status: 'failed', error: expect.stringMatching(/format 2/) });
    const unknown = await importArchive(
      admin.accessToken,
      await rewrite((m) => Object.assign(m, { migrations: [...(m.migrations as string[]), '0099_future.sql'] })),
    );
    expect(unknown).toMatchObject({ status: 'failed', error: expect.stringMatching(/0099_future/) });
  });

  it('should bring back every row and every object, byte for byte, into an empty deployment', async () => {
    const admin = await adminUser();
    const alice = await registerUser({ name: 'Alice' });
    const bob = await registerUser({ name: 'Bob' });
    const role = await call('/api/roles', { token: admin.accessToken, body: { name: 'keepers', description: 'Keep' } });
    expect(role.status).toBe(201);
    expect(
      (await call(`/api/users/${bob.id}/roles`, { token: admin.accessToken, body: { role: 'keepers' } })).status,
    ).toBe(201);
    const small = await uploadFileOk(alice.accessToken, 'a small note', 'note.txt');
    await uploadFileOk(alice.accessToken, bytesOf(3 * 1024 * 1024 + 7, 11), 'medium.bin', 'application/octet-stream');
    // Over 100 MB, through the resumable multipart upload.
    const bigBytes = bytesOf(101 * 1024 * 1024, 5);
    const big = await uploadLarge(alice.accessToken, bigBytes, 'big.bin');
    const share = await call(`/api/files/${small.id}/shares`, { token: alice.accessToken, body: {} });
    expect(share.status).toBe(201);
    const room = await call('/api/rooms', { token: alice.accessToken, body: { name: 'Hearth', visibility: 'public' } });
    expect(room.status).toBe(201);
    const roomId = ((await room.json()) as { id: string }).id;
    for (let seq = 1; seq <= 3; seq++) {
      await env.DB.prepare(
        'INSERT INTO messages (room_id, seq, id, author_id, author_name, text, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)',
      )
        .bind(roomId, seq, newId(), alice.id, 'Alice', `message ${seq}`, Date.now())
        .run();
    }
    const session = await call('/api/coworking/sessions', {
      token: bob.accessToken,
      body: { title: 'Deep work', durationMinutes: 50, visibility: 'public' },
    });
    expect(session.status).toBe(201);
    expect((await call('/api/sprints/solo', { token: alice.accessToken, body: { durationMinutes: 25 } })).status).toBe(
      201,
    );

    await hashesComputed();
    const before = await snapshot();
    const hashes = await objectHashes();
    expect(before.messages).toHaveLength(3);
    expect(before.coworking_sessions?.length).toBeGreaterThan(0);
    expect(before.sprints?.length).toBeGreaterThan(0);
    const done = await backUp(admin.accessToken);

    await wipe();
    expect(await objectHashes()).toEqual(new Map());
    // The new deployment's first admin, who restores.
    const restorer = await registerUser();
    await makeAdmin(restorer.id);
    const res = await call(`/api/backups/${done.id}/restore`, { token: restorer.accessToken, body: {} });
    expect(res.status).toBe(202);
    const result = await waitForRestore(done.id);
    expect(result).toEqual({ restore_status: 'done', restore_error: null });

    const after = await snapshot();
    expect(withoutLogs(after)).toEqual(withoutLogs(before));
    // The logs come back whole (the restore's own entries follow them).
    for (const log of LOGS) expect(after[log]).toEqual(expect.arrayContaining(before[log] as unknown[]));
    expect(await objectHashes()).toEqual(hashes);
    // Nobody is signed in after a restore; the old password still works.
    expect(await env.DB.prepare('SELECT count(*) AS n FROM sessions').first('n')).toBe(0);
    const login = await call('/api/auth/login', {
      body: { email: alice.email, password: alice.password, client: 'native' },
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const link = (await (await call(`/api/files/${big.id}/download`, { token: accessToken })).json()) as {
      url: string;
    };
    const body = await (await fetchUrl(link.url)).arrayBuffer();
    expect(await sha256Hex(body)).toBe(await sha256Hex(bigBytes));
  });
});

/** Where the header of entry `name` starts in a tar. */
function findEntryOffset(bytes: Uint8Array, name: string): number {
  const wanted = new TextEncoder().encode(name);
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (wanted.every((byte, i) => header[i] === byte) && header[wanted.length] === 0) return offset;
    const size = Number.parseInt(new TextDecoder().decode(header.subarray(124, 135)), 8) || 0;
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no entry ${name}`);
}
