import { sha256 as sha256Sync } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { version } from '../../../package.json';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import type { Hasher } from './archive-reader';
import { ArchiveSink, type SinkState } from './archive-sink';
import {
  CONSISTENCY,
  FORMAT,
  FORMAT_VERSION,
  MANIFEST_ENTRY,
  type Manifest,
  type ManifestObject,
  type ManifestTable,
  objectEntry,
  pageEntry,
  tableHashInput,
} from './manifest';
import { backupKey } from './seal';
import { backedUpTables, excludedStores, excludedTables, quote, type TableInfo } from './tables';
import { END_OF_ARCHIVE, entryHeader, paddingFor } from './tar';

/**
 * The backup job. A backup is written by a chain of queue messages, `{ backupId, step }`:
 * each runs for a bounded time, a bounded number of pages and objects and a bounded number
 * of bytes (well inside the Workers CPU and subrequest limits), then commits where it stands
 * (the cursor) on the backup row with `UPDATE … WHERE id = ? AND step = ?` and sends the next
 * step. Queue delivery is at least once: a message for a step already committed finds the
 * step moved on and does nothing; a message whose worker died re-runs its step from the last
 * committed cursor once the lease has run out (the parts it uploaded are uploaded again under
 * the same numbers, and the tail it read is keyed by step, so nothing it half-wrote is read).
 */

export interface StepLimits {
  /** Table pages and objects per message. */
  items: number;
  /** Archive bytes per message (an object is never split, so one large object may pass it). */
  bytes: number;
  milliseconds: number;
  pageRows: number;
  filePageRows: number;
}

export const DEFAULT_LIMITS: StepLimits = {
  items: 64,
  bytes: 256 * 1024 * 1024,
  milliseconds: 20_000,
  pageRows: 1000,
  filePageRows: 50,
};

/** How long a worker holds a step; a message retried after that takes the step over. */
export const LEASE_MS = 10 * 60 * 1000;

export interface BackupCursor {
  phase: 'tables' | 'completing';
  /** Table names in the order they are read, fixed when the backup starts. */
  tables: string[];
  table: number;
  /** Primary key of the last row read in the current table. */
  after: unknown[] | null;
  page: number;
  done: ManifestTable[];
  objects: ManifestObject[];
  droppedFileRows: number;
  migrations: string[];
  createdAt: string;
  sink: SinkState;
  manifestSha256?: string;
}

export type StepOutcome =
  | { outcome: 'duplicate' }
  | { outcome: 'continued'; step: number }
  | { outcome: 'done'; sizeBytes: number };

/** A step is held by a live worker; the message is retried later. */
export class StepBusyError extends Error {
  constructor() {
    super('another worker is running this step');
    this.name = 'StepBusyError';
  }
}

/** The worker's SHA-256 over a stream: native, incremental, never holding the body. */
export function digestHasher(): Hasher {
  const stream = new crypto.DigestStream('SHA-256');
  const writer = stream.getWriter();
  return {
    update: (bytes) => writer.write(bytes),
    async digest() {
      await writer.close();
      return encodeHexLowerCase(new Uint8Array(await stream.digest));
    },
  };
}

export const tailKey = (backupId: string, step: number) => `backups/${backupId}.tail.${step}`;

export interface BackupRow {
  id: string;
  origin: string;
  status: string;
  r2_key: string;
  encrypted: number;
  step: number;
  cursor: string | null;
  rows_done: number;
  objects_done: number;
}

/** Takes the step if it is still to do and nobody live holds it; null when it is not ours to run. */
export async function claimStep(d1: D1Database, backupId: string, step: number): Promise<BackupRow | null> {
  const at = now().getTime();
  return d1
    .prepare(
      `UPDATE backups SET status = 'running', started_at = coalesce(started_at, ?1), lease_until = ?2
       WHERE id = ?3 AND step = ?4 AND status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < ?1)
       RETURNING id, origin, status, r2_key, encrypted, step, cursor, rows_done, objects_done`,
    )
    .bind(at, at + LEASE_MS, backupId, step)
    .first<BackupRow>();
}

/** Whether a message for `step` has nothing left to do (the step was committed, or the job ended). */
export async function isStale(
  d1: D1Database,
  backupId: string,
  step: number,
  field: 'step' | 'restore',
): Promise<boolean> {
  const row = await d1
    .prepare('SELECT step, status, restore_status FROM backups WHERE id = ?1')
    .bind(backupId)
    .first<{ step: number; status: string; restore_status: string | null }>();
  if (!row) return true;
  if (field === 'restore') return row.restore_status !== 'queued' && row.restore_status !== 'running';
  return row.step !== step || (row.status !== 'queued' && row.status !== 'running');
}

async function appliedMigrations(d1: D1Database): Promise<string[]> {
  try {
    const { results } = await d1.prepare('SELECT name FROM d1_migrations ORDER BY id').all<{ name: string }>();
    return results.map((row) => row.name);
  } catch {
    return [];
  }
}

export { appliedMigrations };

async function startCursor(env: Env, row: BackupRow): Promise<BackupCursor> {
  const tables = backedUpTables();
  const counts = await env.DB.prepare(
    `SELECT ${tables.map((table) => `(SELECT count(*) FROM ${quote(table.name)})`).join(' + ')} AS rows,
            (SELECT count(*) FROM files) AS objects`,
  ).first<{ rows: number; objects: number }>();
  const upload = await env.FILES.createMultipartUpload(row.r2_key, {
    httpMetadata: { contentType: row.encrypted ? 'application/octet-stream' : 'application/x-tar' },
  });
  await env.DB.prepare('UPDATE backups SET rows_total = ?1, objects_total = ?2 WHERE id = ?3')
    .bind(counts?.rows ?? 0, counts?.objects ?? 0, row.id)
    .run();
  return {
    phase: 'tables',
    tables: tables.map((table) => table.name),
    table: 0,
    after: null,
    page: 0,
    done: [],
    objects: [],
    droppedFileRows: 0,
    migrations: await appliedMigrations(env.DB),
    createdAt: now().toISOString(),
    sink: ArchiveSink.initialState(upload.uploadId),
  };
}

async function readPage(d1: D1Database, table: TableInfo, after: unknown[] | null, limit: number) {
  const pk = table.primaryKey.map(quote);
  const where = after ? `WHERE (${pk.join(', ')}) > (${pk.map((_, i) => `?${i + 1}`).join(', ')})` : '';
  const sql = `SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)} ${where} ORDER BY ${pk.join(', ')} LIMIT ${limit}`;
  const statement = d1.prepare(sql);
  const { results } = await (after ? statement.bind(...after) : statement).all<Record<string, unknown>>();
  return results;
}

async function writeEntry(sink: ArchiveSink, name: string, bytes: Uint8Array, mtime: number) {
  await sink.write(entryHeader(name, bytes.length, mtime));
  await sink.write(bytes);
  await sink.write(new Uint8Array(paddingFor(bytes.length)));
}

/** Streams one R2 object into the archive, hashing it on the way; never buffers the body. */
async function writeObjectEntry(sink: ArchiveSink, object: R2ObjectBody, mtime: number): Promise<string> {
  await sink.write(entryHeader(objectEntry(object.key), object.size, mtime));
  const hasher = digestHasher();
  const reader = object.body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    await hasher.update(value);
    await sink.write(value);
  }
  if (bytes !== object.size) throw new Error(`object ${object.key} read ${bytes} of ${object.size} bytes`);
  await sink.write(new Uint8Array(paddingFor(bytes)));
  return hasher.digest();
}

function finishTable(cursor: BackupCursor, table: TableInfo, pages: ManifestTable['pages']) {
  cursor.done.push({
    name: table.name,
    columns: table.columns,
    primaryKey: table.primaryKey,
    rows: pages.reduce((sum, page) => sum + page.rows, 0),
    pages,
    sha256: encodeHexLowerCase(sha256Sync(tableHashInput(pages.map((page) => page.sha256)))),
  });
  cursor.table++;
  cursor.after = null;
  cursor.page = 0;
}

function buildManifest(backupId: string, cursor: BackupCursor): Manifest {
  return {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    backupId,
    appVersion: version,
    createdAt: cursor.createdAt,
    finishedAt: now().toISOString(),
    migrations: cursor.migrations,
    tables: cursor.done,
    objects: cursor.objects,
    excluded: [
      ...Object.entries(excludedTables).map(([name, reason]) => ({ name, reason })),
      ...excludedStores.map((name) => ({ name, reason: 'not in D1 or R2' })),
    ],
    droppedFileRows: cursor.droppedFileRows,
    consistency: CONSISTENCY,
  };
}

/** One message's worth of the backup. */
export async function runBackupStep(
  env: Env,
  backupId: string,
  step: number,
  limits: StepLimits = DEFAULT_LIMITS,
  hooks: { beforeCommit?: () => Promise<void> } = {},
): Promise<StepOutcome> {
  const row = await claimStep(env.DB, backupId, step);
  if (!row) {
    if (await isStale(env.DB, backupId, step, 'step')) return { outcome: 'duplicate' };
    throw new StepBusyError();
  }
  try {
    return await continueBackup(env, row, step, limits, hooks);
  } catch (error) {
    // A step that failed (rather than died) hands its lease back, so the queue's retry can run it at once.
    await env.DB.prepare('UPDATE backups SET lease_until = NULL WHERE id = ?1 AND step = ?2')
      .bind(backupId, step)
      .run();
    throw error;
  }
}

async function continueBackup(
  env: Env,
  row: BackupRow,
  step: number,
  limits: StepLimits,
  hooks: { beforeCommit?: () => Promise<void> },
): Promise<StepOutcome> {
  const backupId = row.id;
  const key = row.encrypted ? await backupKey(env.BACKUP_ENCRYPTION_KEY ?? '') : null;
  const cursor = step === 0 || !row.cursor ? await startCursor(env, row) : (JSON.parse(row.cursor) as BackupCursor);
  if (cursor.phase === 'completing') return complete(env, backupId, step, row, cursor);

  const upload = env.FILES.resumeMultipartUpload(row.r2_key, cursor.sink.uploadId);
  let tail: Uint8Array | null = null;
  if (cursor.sink.pendingBytes + cursor.sink.plainBytes > 0) {
    const stored = await env.FILES.get(tailKey(backupId, step));
    if (!stored) throw new Error(`backup ${backupId} lost its tail for step ${step}`);
    tail = new Uint8Array(await stored.arrayBuffer());
  }
  const sink = new ArchiveSink({ bucket: env.FILES, upload, backupId, key, state: cursor.sink, tail });
  await sink.begin();

  const catalogue = new Map(backedUpTables().map((table) => [table.name, table]));
  const started = Date.now();
  const startBytes = sink.state.tarBytes;
  const mtime = Date.parse(cursor.createdAt);
  let items = 0;
  let rowsDone = row.rows_done;
  let objectsDone = row.objects_done;
  const withinBudget = () =>
    items < limits.items &&
    Date.now() - started < limits.milliseconds &&
    sink.state.tarBytes - startBytes < limits.bytes;

  while (cursor.table < cursor.tables.length && withinBudget()) {
    const name = cursor.tables[cursor.table] as string;
    const table = catalogue.get(name);
    if (!table) {
      // The schema lost the table between steps (a deploy mid-backup): nothing of it to archive.
      cursor.table++;
      continue;
    }
    // The table being read sits in `done` with rows = -1 until its last page.
    let open = cursor.done.find((entry) => entry.name === name && entry.rows === -1);
    if (!open) {
      open = { name, columns: table.columns, primaryKey: table.primaryKey, rows: -1, pages: [], sha256: '' };
      cursor.done.push(open);
    }
    const isFiles = name === 'files';
    const limit = isFiles ? limits.filePageRows : limits.pageRows;
    const rows = await readPage(env.DB, table, cursor.after, limit);
    let kept = rows;
    if (isFiles) {
      kept = [];
      for (const file of rows) {
        const object = await env.FILES.get(String(file.r2_key));
        if (!object) {
          // Deleted since its row was read: neither row nor object goes in.
          cursor.droppedFileRows++;
          continue;
        }
        const sha256 = await writeObjectEntry(sink, object, mtime);
        cursor.objects.push({ key: object.key, fileId: String(file.id), size: object.size, sha256 });
        kept.push(file);
        objectsDone++;
        items++;
      }
    }
    if (kept.length > 0) {
      const bytes = new TextEncoder().encode(kept.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
      const entry = pageEntry(name, open.pages.length);
      await writeEntry(sink, entry, bytes, mtime);
      open.pages.push({ entry, rows: kept.length, bytes: bytes.length, sha256: encodeHexLowerCase(sha256Sync(bytes)) });
      rowsDone += kept.length;
    }
    items++;
    const last = rows.at(-1);
    if (last) cursor.after = table.primaryKey.map((column) => last[column]);
    if (rows.length < limit) {
      cursor.done = cursor.done.filter((entry) => entry !== open);
      finishTable(cursor, table, open.pages);
    }
  }

  if (cursor.table >= cursor.tables.length) {
    const manifest = new TextEncoder().encode(JSON.stringify(buildManifest(backupId, cursor), null, 1));
    await writeEntry(sink, MANIFEST_ENTRY, manifest, mtime);
    await sink.write(END_OF_ARCHIVE);
    cursor.sink = await sink.finish();
    cursor.phase = 'completing';
    cursor.manifestSha256 = encodeHexLowerCase(sha256Sync(manifest));
    // Committed before `complete`, so a retry after a death in between completes the same parts.
    await env.DB.prepare(
      'UPDATE backups SET cursor = ?1, rows_done = ?2, objects_done = ?3, size_bytes = ?4 WHERE id = ?5 AND step = ?6',
    )
      .bind(JSON.stringify(cursor), rowsDone, objectsDone, cursor.sink.archiveBytes, backupId, step)
      .run();
    return complete(env, backupId, step, row, cursor);
  }

  const suspended = sink.suspend();
  cursor.sink = suspended.state;
  if (suspended.tail.length > 0) await env.FILES.put(tailKey(backupId, step + 1), suspended.tail);
  await hooks.beforeCommit?.();
  const committed = await env.DB.prepare(
    `UPDATE backups SET step = step + 1, cursor = ?1, lease_until = NULL, progress_at = ?2,
       rows_done = ?3, objects_done = ?4, size_bytes = ?5
     WHERE id = ?6 AND step = ?7 AND status = 'running' RETURNING step`,
  )
    .bind(JSON.stringify(cursor), now().getTime(), rowsDone, objectsDone, cursor.sink.archiveBytes, backupId, step)
    .first<{ step: number }>();
  if (!committed) return { outcome: 'duplicate' };
  await env.JOBS.send({ type: 'backup', action: 'backup', backupId, step: step + 1 });
  await env.FILES.delete(tailKey(backupId, step));
  return { outcome: 'continued', step: step + 1 };
}

async function complete(
  env: Env,
  backupId: string,
  step: number,
  row: BackupRow,
  cursor: BackupCursor,
): Promise<StepOutcome> {
  const upload = env.FILES.resumeMultipartUpload(row.r2_key, cursor.sink.uploadId);
  try {
    await upload.complete(cursor.sink.parts);
  } catch (error) {
    // A retry after `complete` succeeded but before the row said so: the archive is there.
    if (!(await env.FILES.head(row.r2_key))) throw error;
  }
  await env.DB.prepare(
    `UPDATE backups SET status = 'done', busy = NULL, step = step + 1, cursor = NULL, lease_until = NULL,
       finished_at = ?1, progress_at = ?1, size_bytes = ?2, manifest_sha256 = ?3
     WHERE id = ?4 AND step = ?5`,
  )
    .bind(now().getTime(), cursor.sink.archiveBytes, cursor.manifestSha256 ?? null, backupId, step)
    .run();
  await env.FILES.delete([tailKey(backupId, step), tailKey(backupId, step + 1)]);
  return { outcome: 'done', sizeBytes: cursor.sink.archiveBytes };
}

/** Ends a job that cannot go on: the row says failed with why, and the half-written upload is aborted. */
export async function failJob(env: Env, backupId: string, action: 'backup' | 'import' | 'restore', reason: string) {
  if (action === 'restore') {
    await env.DB.prepare(
      `UPDATE backups SET restore_status = 'failed', restore_error = ?1, restore_finished_at = ?2, busy = NULL, lease_until = NULL
       WHERE id = ?3 AND restore_status IN ('queued', 'running')`,
    )
      .bind(reason.slice(0, 1000), now().getTime(), backupId)
      .run();
    return;
  }
  const row = await env.DB.prepare(
    `UPDATE backups SET status = 'failed', error = ?1, finished_at = ?2, busy = NULL, lease_until = NULL
     WHERE id = ?3 AND status IN ('queued', 'running') RETURNING cursor, r2_key, step, origin`,
  )
    .bind(reason.slice(0, 1000), now().getTime(), backupId)
    .first<{ cursor: string | null; r2_key: string; step: number; origin: string }>();
  if (!row || row.origin === 'import') return;
  if (row.cursor) {
    const cursor = JSON.parse(row.cursor) as BackupCursor;
    await env.FILES.resumeMultipartUpload(row.r2_key, cursor.sink.uploadId)
      .abort()
      .catch(() => {});
  }
  await env.FILES.delete([tailKey(backupId, row.step), tailKey(backupId, row.step + 1)]);
}
