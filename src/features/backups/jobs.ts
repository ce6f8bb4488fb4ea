import { createDb } from '../../db/client';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { auditInsert } from '../audit/audit.service';
import { ArchiveError, type ReadOptions, validateArchive } from './archive-reader';
import { claimStep, digestHasher, failJob, LEASE_MS, runBackupStep, StepBusyError } from './backup-job';
import { applyArchive, currentDeployment, holdsData } from './restore';
import { backupKey, isSealed, SealError } from './seal';

export interface BackupJobMessage {
  type: 'backup';
  action: 'backup' | 'import' | 'restore';
  backupId: string;
  step: number;
}

/** Retries a failing job gets before it is marked failed (the queue's max_retries is 5). */
const MAX_ATTEMPTS = 5;

async function readOptions(env: Env): Promise<ReadOptions> {
  const raw = env.BACKUP_ENCRYPTION_KEY?.trim();
  return { key: raw ? await backupKey(raw) : null, newHasher: digestHasher };
}

async function openArchive(bucket: R2Bucket, key: string): Promise<ReadableStream<Uint8Array>> {
  const object = await bucket.get(key);
  if (!object) throw new ArchiveError('The archive is no longer in storage.');
  return object.body;
}

/** Validates an uploaded archive and copies it under `backups/`; the entry is then like any other. */
async function runImport(env: Env, message: BackupJobMessage) {
  const row = await claimStep(env.DB, message.backupId, message.step);
  if (!row) return { outcome: 'duplicate' };
  const source = (JSON.parse(row.cursor ?? '{}') as { importFrom?: string }).importFrom;
  if (!source) throw new ArchiveError('The import names no archive.');
  const manifest = await validateArchive(
    await openArchive(env.FILES, source),
    await readOptions(env),
    await currentDeployment(env.DB),
  );
  const head = await env.FILES.get(source, { range: { offset: 0, length: 16 } });
  const sealed = head ? isSealed(new Uint8Array(await head.arrayBuffer())) : false;
  const object = await env.FILES.get(source);
  if (!object) throw new ArchiveError('The archive is no longer in storage.');
  const key = `backups/${row.id}.tar${sealed ? '.enc' : ''}`;
  // R2 needs the length of a streamed body.
  const fixed = new FixedLengthStream(object.size);
  await Promise.all([env.FILES.put(key, fixed.readable), object.body.pipeTo(fixed.writable)]);
  const rows = manifest.tables.reduce((sum, table) => sum + table.rows, 0);
  await env.DB.prepare(
    `UPDATE backups SET status = 'done', busy = NULL, step = step + 1, lease_until = NULL, cursor = NULL,
       r2_key = ?1, encrypted = ?2, size_bytes = ?3, finished_at = ?4, progress_at = ?4,
       rows_done = ?5, rows_total = ?5, objects_done = ?6, objects_total = ?6
     WHERE id = ?7 AND step = ?8`,
  )
    .bind(key, sealed ? 1 : 0, object.size, now().getTime(), rows, manifest.objects.length, row.id, message.step)
    .run();
  return { outcome: 'done', rows, objects: manifest.objects.length };
}

/**
 * Restores a deployment from an archive, in two passes over it: the first checks everything
 * and writes nothing; the second clears and applies. A retried restore starts over from the
 * first pass, which gives the same result.
 */
async function runRestore(env: Env, message: BackupJobMessage) {
  const at = now().getTime();
  const row = await env.DB.prepare(
    `UPDATE backups SET restore_status = 'running', restore_started_at = coalesce(restore_started_at, ?1), lease_until = ?2
     WHERE id = ?3 AND restore_status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < ?1)
     RETURNING r2_key, cursor`,
  )
    .bind(at, at + LEASE_MS, message.backupId)
    .first<{ r2_key: string; cursor: string | null }>();
  if (!row) {
    const state = await env.DB.prepare('SELECT restore_status FROM backups WHERE id = ?1')
      .bind(message.backupId)
      .first<{ restore_status: string | null }>();
    if (state?.restore_status === 'running') throw new StepBusyError();
    return { outcome: 'duplicate' };
  }
  const request = (JSON.parse(row.cursor ?? '{}') as { restore?: { confirmed: boolean; actorId: string | null } })
    .restore ?? { confirmed: false, actorId: null };
  const options = await readOptions(env);
  const manifest = await validateArchive(
    await openArchive(env.FILES, row.r2_key),
    options,
    await currentDeployment(env.DB),
  );
  if (!request.confirmed && (await holdsData(env.DB, request.actorId))) {
    throw new ArchiveError(
      'The data tables are not empty; restore with { "confirm": "replace everything" } to replace them.',
    );
  }
  const progress = await applyArchive(
    env.DB,
    env.FILES,
    await openArchive(env.FILES, row.r2_key),
    options,
    manifest,
    async (done) => {
      await env.DB.prepare(
        'UPDATE backups SET restore_rows_done = ?1, restore_objects_done = ?2, progress_at = ?3 WHERE id = ?4',
      )
        .bind(done.rows, done.objects + done.objectsSkipped, now().getTime(), message.backupId)
        .run();
    },
  );
  await env.DB.prepare(
    `UPDATE backups SET restore_status = 'done', restore_finished_at = ?1, busy = NULL, lease_until = NULL, cursor = NULL
     WHERE id = ?2`,
  )
    .bind(now().getTime(), message.backupId)
    .run();
  await auditInsert(
    createDb(env.DB),
    {
      action: 'backup.restored',
      actorId: request.actorId,
      targetType: 'backup',
      targetId: message.backupId,
      details: { ...progress },
    },
    { ip: null, userAgent: null },
  );
  return { outcome: 'restored', ...progress };
}

/**
 * Runs one backup, import or restore message. An archive that is refused (damaged, tampered,
 * wrong key, newer format, data in the way) fails the job at once; anything else is retried by
 * the queue, and fails the job once the retries run out, so no job stays "running" for ever.
 */
export async function runBackupJob(env: Env, message: BackupJobMessage, attempts = 1): Promise<unknown> {
  try {
    if (message.action === 'restore') return await runRestore(env, message);
    if (message.action === 'import') return await runImport(env, message);
    return await runBackupStep(env, message.backupId, message.step);
  } catch (error) {
    if (error instanceof StepBusyError) throw error;
    const refused = error instanceof ArchiveError || error instanceof SealError;
    if (refused || attempts >= MAX_ATTEMPTS) {
      const reason = error instanceof Error ? error.message : String(error);
      await failJob(env, message.backupId, message.action, reason);
      await auditInsert(
        createDb(env.DB),
        {
          action: 'backup.failed',
          outcome: 'failure',
          targetType: 'backup',
          targetId: message.backupId,
          details: { action: message.action, reason },
        },
        { ip: null, userAgent: null },
      );
      return { outcome: 'failed', reason };
    }
    throw error;
  }
}
