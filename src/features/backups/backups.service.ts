import type { z } from '@hono/zod-openapi';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { backupSchedule, backups } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { PageQuery } from '../../lib/pagination';
import { auditInsert } from '../audit/audit.service';
import type { BackupScheduleSchema } from './backups.schemas';
import { isValidBackupKey } from './seal';

export type BackupRow = typeof backups.$inferSelect;
export type BackupSchedule = z.output<typeof BackupScheduleSchema>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toPublicBackup(row: BackupRow) {
  return {
    id: row.id,
    origin: row.origin,
    status: row.status,
    encrypted: row.encrypted,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    durationMs: row.startedAt && row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    sizeBytes: row.sizeBytes,
    progress: {
      rowsDone: row.rowsDone,
      rowsTotal: row.rowsTotal,
      objectsDone: row.objectsDone,
      objectsTotal: row.objectsTotal,
      bytesWritten: row.sizeBytes,
    },
    error: row.error,
    restore: row.restoreStatus
      ? {
          status: row.restoreStatus,
          startedAt: iso(row.restoreStartedAt),
          finishedAt: iso(row.restoreFinishedAt),
          rowsDone: row.restoreRowsDone,
          objectsDone: row.restoreObjectsDone,
          error: row.restoreError,
        }
      : null,
  };
}

/** D1 names the index in the message; drizzle wraps the D1 error in its own. */
function isBusyConflict(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed: backups\.busy/.test(e.message)) return true;
  }
  return false;
}

const BUSY = 'A backup, import or restore is already queued or running; try again when it has finished.';

/** Whether new archives are encrypted: `BACKUP_ENCRYPTION_KEY` set and valid. */
export function encryptionOn(env: Env): boolean {
  const raw = env.BACKUP_ENCRYPTION_KEY?.trim();
  if (!raw) return false;
  if (!isValidBackupKey(raw))
    throw new AppError('unavailable', 'BACKUP_ENCRYPTION_KEY is set but is not 32 bytes of base64.');
  return true;
}

/**
 * Queues a backup. One job at a time: the row is inserted with `busy = 1`, and the unique
 * index on `busy` refuses a second while the first is queued or running, in one statement,
 * so two requests at the same moment cannot both start one.
 */
export async function startBackup(
  env: Env,
  db: Database,
  options: { origin: 'manual' | 'scheduled'; actorId: string | null },
): Promise<BackupRow> {
  const id = newId();
  const encrypted = encryptionOn(env);
  let row: BackupRow | undefined;
  try {
    [row] = await db
      .insert(backups)
      .values({
        id,
        origin: options.origin,
        status: 'queued',
        busy: 1,
        createdBy: options.actorId,
        createdAt: now(),
        r2Key: `backups/${id}.tar${encrypted ? '.enc' : ''}`,
        encrypted,
      })
      .returning();
  } catch (error) {
    if (isBusyConflict(error)) throw new AppError('conflict', BUSY);
    throw error;
  }
  await env.JOBS.send({ type: 'backup', action: 'backup', backupId: id, step: 0 });
  return row as BackupRow;
}

export async function listBackups(db: Database, page: PageQuery) {
  const rows = await db
    .select()
    .from(backups)
    .where(page.cursor ? lt(backups.id, page.cursor) : undefined)
    .orderBy(desc(backups.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function getBackup(db: Database, id: string): Promise<BackupRow> {
  const [row] = await db.select().from(backups).where(eq(backups.id, id)).limit(1);
  if (!row) throw new AppError('not_found', 'No such backup.');
  return row;
}

/** Deletes an archive and its entry; refused while its job or a restore from it runs. */
export async function deleteBackup(db: Database, bucket: R2Bucket, id: string): Promise<BackupRow> {
  const row = await getBackup(db, id);
  if (row.busy) throw new AppError('conflict', 'This backup is being written or restored; wait for it to finish.');
  const [deleted] = await db
    .delete(backups)
    .where(and(eq(backups.id, id), eq(backups.step, row.step)))
    .returning();
  if (!deleted) throw new AppError('conflict', 'This backup changed meanwhile; try again.');
  await bucket.delete(row.r2Key);
  return deleted;
}

/** Queues a restore from a finished archive; the job checks again before it writes. */
export async function requestRestore(
  env: Env,
  db: Database,
  id: string,
  options: { actorId: string; confirmed: boolean },
): Promise<BackupRow> {
  const row = await getBackup(db, id);
  if (row.status !== 'done') throw new AppError('conflict', 'Only a finished backup can be restored.');
  let updated: BackupRow | undefined;
  try {
    [updated] = await db
      .update(backups)
      .set({
        busy: 1,
        restoreStatus: 'queued',
        restoreStartedAt: null,
        restoreFinishedAt: null,
        restoreRowsDone: 0,
        restoreObjectsDone: 0,
        restoreError: null,
        leaseUntil: null,
        progressAt: now(),
        cursor: JSON.stringify({ restore: { confirmed: options.confirmed, actorId: options.actorId } }),
      })
      .where(and(eq(backups.id, id), eq(backups.status, 'done')))
      .returning();
  } catch (error) {
    if (isBusyConflict(error)) throw new AppError('conflict', BUSY);
    throw error;
  }
  if (!updated) throw new AppError('not_found', 'No such backup.');
  await env.JOBS.send({ type: 'backup', action: 'restore', backupId: id, step: 0 });
  return updated;
}

/** Makes an archive uploaded through the files API a backup entry; the job validates it first. */
export async function requestImport(env: Env, db: Database, fileR2Key: string, actorId: string): Promise<BackupRow> {
  const id = newId();
  let row: BackupRow | undefined;
  try {
    [row] = await db
      .insert(backups)
      .values({
        id,
        origin: 'import',
        status: 'queued',
        busy: 1,
        createdBy: actorId,
        createdAt: now(),
        r2Key: `backups/${id}.tar`,
        encrypted: false,
        cursor: JSON.stringify({ importFrom: fileR2Key }),
      })
      .returning();
  } catch (error) {
    if (isBusyConflict(error)) throw new AppError('conflict', BUSY);
    throw error;
  }
  await env.JOBS.send({ type: 'backup', action: 'import', backupId: id, step: 0 });
  return row as BackupRow;
}

const DEFAULT_SCHEDULE: BackupSchedule = { frequency: 'off', hourUtc: 3, weekday: null, keep: 7 };

export async function getSchedule(
  db: Database,
): Promise<BackupSchedule & { lastSlotAt: Date | null; updatedAt: Date | null }> {
  const [row] = await db.select().from(backupSchedule).where(eq(backupSchedule.id, 'default')).limit(1);
  if (!row) return { ...DEFAULT_SCHEDULE, lastSlotAt: null, updatedAt: null };
  return {
    frequency: row.frequency,
    hourUtc: row.hourUtc,
    weekday: row.weekday,
    keep: row.keep,
    lastSlotAt: row.lastSlotAt,
    updatedAt: row.updatedAt,
  };
}

export async function putSchedule(db: Database, schedule: BackupSchedule): Promise<BackupSchedule> {
  const values = {
    frequency: schedule.frequency,
    hourUtc: schedule.hourUtc,
    weekday: schedule.frequency === 'weekly' ? (schedule.weekday ?? 0) : null,
    keep: schedule.keep,
    updatedAt: now(),
  };
  await db
    .insert(backupSchedule)
    .values({ id: 'default', ...values })
    .onConflictDoUpdate({ target: backupSchedule.id, set: values });
  return { frequency: values.frequency, hourUtc: values.hourUtc, weekday: values.weekday, keep: values.keep };
}

/** The job rows whose worker went quiet: no lease and no progress for this long means a lost message. */
const STALL_MS = 5 * 60 * 1000;

/**
 * Re-sends the message of every job that stopped moving: a message lost after a commit, or a
 * step whose retries ran out while another worker held its lease. The step number makes a
 * second delivery harmless.
 */
export async function kickStalledJobs(env: Env): Promise<number> {
  const at = now().getTime();
  const { results } = await env.DB.prepare(
    `SELECT id, step, status, restore_status, origin FROM backups
     WHERE busy = 1 AND (lease_until IS NULL OR lease_until < ?1) AND coalesce(progress_at, created_at) < ?2`,
  )
    .bind(at, at - STALL_MS)
    .all<{ id: string; step: number; status: string; restore_status: string | null; origin: string }>();
  for (const row of results) {
    const restoring = row.restore_status === 'queued' || row.restore_status === 'running';
    const action = restoring ? 'restore' : row.origin === 'import' ? 'import' : 'backup';
    await env.JOBS.send({ type: 'backup', action, backupId: row.id, step: restoring ? 0 : row.step });
    await env.DB.prepare('UPDATE backups SET progress_at = ?1 WHERE id = ?2').bind(at, row.id).run();
  }
  return results.length;
}

/** The most recent slot of a schedule at or before `at`. */
export function latestSlot(schedule: BackupSchedule, at: Date): Date | null {
  if (schedule.frequency === 'off') return null;
  const slot = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), schedule.hourUtc));
  if (schedule.frequency === 'daily') {
    if (slot > at) slot.setUTCDate(slot.getUTCDate() - 1);
    return slot;
  }
  const weekday = schedule.weekday ?? 0;
  slot.setUTCDate(slot.getUTCDate() - ((slot.getUTCDay() - weekday + 7) % 7));
  if (slot > at) slot.setUTCDate(slot.getUTCDate() - 7);
  return slot;
}

/**
 * The cron's part: starts the scheduled backup whose slot has come (once per slot: the slot
 * is claimed by one conditional UPDATE), then deletes scheduled archives beyond `keep`.
 */
export async function runSchedule(env: Env, db: Database): Promise<{ started: boolean; pruned: number }> {
  const schedule = await getSchedule(db);
  let started = false;
  const at = now();
  const slot = latestSlot(schedule, at);
  // A slot that passed before the schedule was set is not owed a backup.
  if (slot && schedule.updatedAt && slot > schedule.updatedAt) {
    const claimed = await env.DB.prepare(
      `UPDATE backup_schedule SET last_slot_at = ?1 WHERE id = 'default' AND (last_slot_at IS NULL OR last_slot_at < ?1) RETURNING id`,
    )
      .bind(slot.getTime())
      .first();
    if (claimed) {
      try {
        await startBackup(env, db, { origin: 'scheduled', actorId: null });
        started = true;
        await auditInsert(
          db,
          { action: 'backup.create', details: { origin: 'scheduled' } },
          { ip: null, userAgent: null },
        );
      } catch (error) {
        // One already running takes this slot's place.
        if (!(error instanceof AppError && error.code === 'conflict')) throw error;
      }
    }
  }
  let pruned = 0;
  const keep = schedule.keep;
  const old = await db
    .select()
    .from(backups)
    .where(and(eq(backups.origin, 'scheduled'), eq(backups.status, 'done')))
    .orderBy(desc(backups.id))
    .limit(100)
    .offset(keep);
  for (const row of old) {
    if (row.busy) continue;
    await db.delete(backups).where(eq(backups.id, row.id));
    await env.FILES.delete(row.r2Key);
    await auditInsert(
      db,
      { action: 'backup.delete', targetType: 'backup', targetId: row.id, details: { pruned: true } },
      {
        ip: null,
        userAgent: null,
      },
    );
    pruned++;
  }
  return { started, pruned };
}
