import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';

/**
 * One archive in R2 (`backups/<id>.tar` or `.tar.enc`), made here or imported,
 * and the state of the job that writes or restores it. Ids are not foreign
 * keys: a restore replaces every user, and the entry must outlive that.
 */
export const backups = sqliteTable(
  'backups',
  {
    id: id(),
    origin: text('origin', { enum: ['manual', 'scheduled', 'import'] }).notNull(),
    status: text('status', { enum: ['queued', 'running', 'done', 'failed'] }).notNull(),
    /**
     * 1 while a backup, an import or a restore is queued or running, NULL otherwise. A unique
     * index on it is what lets one conditional INSERT or UPDATE refuse a second job at once.
     */
    busy: integer('busy'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at'),
    finishedAt: timestamp('finished_at'),
    r2Key: text('r2_key').notNull(),
    encrypted: integer('encrypted', { mode: 'boolean' }).notNull().default(false),
    /** The queue step the job is at; a message for another step is a duplicate and does nothing. */
    step: integer('step').notNull().default(0),
    /** Until when the worker running `step` holds it; a retry after that re-runs the step. */
    leaseUntil: timestamp('lease_until'),
    /** When the job last committed a step; the cron re-sends the message of a job stalled since. */
    progressAt: timestamp('progress_at'),
    /** Where the job stands (JSON, see backup-job.ts): phase, table, last key, upload, parts, hashes. */
    cursor: text('cursor'),
    sizeBytes: integer('size_bytes').notNull().default(0),
    rowsDone: integer('rows_done').notNull().default(0),
    rowsTotal: integer('rows_total').notNull().default(0),
    objectsDone: integer('objects_done').notNull().default(0),
    objectsTotal: integer('objects_total').notNull().default(0),
    /** Hex SHA-256 of the manifest, recorded when the archive is complete. */
    manifestSha256: text('manifest_sha256'),
    error: text('error'),
    restoreStatus: text('restore_status', { enum: ['queued', 'running', 'done', 'failed'] }),
    restoreStartedAt: timestamp('restore_started_at'),
    restoreFinishedAt: timestamp('restore_finished_at'),
    restoreRowsDone: integer('restore_rows_done').notNull().default(0),
    restoreObjectsDone: integer('restore_objects_done').notNull().default(0),
    restoreError: text('restore_error'),
  },
  (t) => [uniqueIndex('backups_busy_unique').on(t.busy), index('backups_created_idx').on(t.createdAt, t.id)],
);

/** The backup schedule: one row (`id = 'default'`). */
export const backupSchedule = sqliteTable('backup_schedule', {
  id: text('id').primaryKey(),
  frequency: text('frequency', { enum: ['off', 'daily', 'weekly'] }).notNull(),
  hourUtc: integer('hour_utc').notNull(),
  weekday: integer('weekday'),
  keep: integer('keep').notNull(),
  /** The last slot a scheduled backup was started for, so a cron run starts each slot once. */
  lastSlotAt: timestamp('last_slot_at'),
  updatedAt: timestamp('updated_at').notNull(),
});
