import { z } from '@hono/zod-openapi';

// The bodies and replies of the backup routes. No service imports: the web app infers its types from these.

export const JobStatusSchema = z.enum(['queued', 'running', 'done', 'failed']);

export const BackupSchema = z
  .object({
    id: z.string(),
    origin: z.enum(['manual', 'scheduled', 'import']),
    status: JobStatusSchema,
    encrypted: z.boolean(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    sizeBytes: z.number().int().openapi({ description: 'Bytes of the archive written so far (its size once done).' }),
    progress: z.object({
      rowsDone: z.number().int(),
      rowsTotal: z.number().int(),
      objectsDone: z.number().int(),
      objectsTotal: z.number().int(),
      bytesWritten: z.number().int(),
    }),
    error: z.string().nullable(),
    restore: z
      .object({
        status: JobStatusSchema,
        startedAt: z.string().nullable(),
        finishedAt: z.string().nullable(),
        rowsDone: z.number().int(),
        objectsDone: z.number().int(),
        error: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('Backup');

export const BackupPageSchema = z.object({ items: z.array(BackupSchema), nextCursor: z.string().nullable() });

export const BackupScheduleSchema = z
  .strictObject({
    frequency: z.enum(['off', 'daily', 'weekly']),
    hourUtc: z.number().int().min(0).max(23),
    weekday: z.number().int().min(0).max(6).nullable().optional().openapi({ description: '0 = Sunday; weekly only.' }),
    keep: z.number().int().min(1).max(30).openapi({ description: 'Scheduled archives kept; older ones are deleted.' }),
  })
  .superRefine((value, ctx) => {
    if (value.frequency === 'weekly' && (value.weekday === undefined || value.weekday === null)) {
      ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'A weekly schedule needs a weekday (0 = Sunday).' });
    }
  })
  .openapi('BackupSchedule');

export const ImportBackupSchema = z.strictObject({
  fileId: z.string().min(1).max(64).openapi({ description: 'An archive uploaded through the files API.' }),
});

export const RESTORE_CONFIRMATION = 'replace everything';

export const RestoreBackupSchema = z.strictObject({
  confirm: z
    .literal(RESTORE_CONFIRMATION)
    .optional()
    .openapi({ description: 'Needed when the data tables are not empty: everything in them is replaced.' }),
});
