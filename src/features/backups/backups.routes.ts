import { createRoute } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema } from '../../lib/pagination';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { SignedUrlSchema } from '../files/files.schemas';
import {
  BackupPageSchema,
  BackupScheduleSchema,
  BackupSchema,
  ImportBackupSchema,
  RestoreBackupSchema,
} from './backups.schemas';

const tags = ['Backups'];
const security = [{ bearer: [] }];
const middleware = [requireAuth(), requirePermission('backups.manage')];

export const getSchedule = createRoute({
  method: 'get',
  path: '/api/backups/schedule',
  tags,
  security,
  middleware,
  summary: 'The backup schedule',
  responses: { 200: jsonResponse(BackupScheduleSchema, 'The schedule'), ...problemResponses(401, 403) },
});

export const putSchedule = createRoute({
  method: 'put',
  path: '/api/backups/schedule',
  tags,
  security,
  middleware,
  summary: 'Set the backup schedule',
  description:
    'The cron trigger starts a backup at `hourUtc` every day, or every `weekday` (0 = Sunday) for weekly, and deletes scheduled archives beyond the newest `keep`.',
  request: jsonRequest(BackupScheduleSchema),
  responses: { 200: jsonResponse(BackupScheduleSchema, 'Saved'), ...problemResponses(400, 401, 403) },
});

export const createBackup = createRoute({
  method: 'post',
  path: '/api/backups',
  tags,
  security,
  middleware,
  summary: 'Back up now',
  description:
    'Queues a backup of every D1 table and every R2 object a file row references (see docs/backups.md). One job at a time: 409 `conflict` while a backup, import or restore is queued or running.',
  responses: { 202: jsonResponse(BackupSchema, 'Queued'), ...problemResponses(401, 403, 409) },
});

export const importBackup = createRoute({
  method: 'post',
  path: '/api/backups/import',
  tags,
  security,
  middleware,
  summary: 'Import an uploaded archive',
  description:
    'Upload the archive through the files API first (the resumable flow for large ones). A queued job validates every hash and copies it under `backups/`; the entry is then restorable.',
  request: jsonRequest(ImportBackupSchema),
  responses: { 202: jsonResponse(BackupSchema, 'Queued'), ...problemResponses(400, 401, 403, 404, 409) },
});

export const listBackups = createRoute({
  method: 'get',
  path: '/api/backups',
  tags,
  security,
  middleware,
  summary: 'Backups, newest first',
  request: { query: PageQuerySchema },
  responses: { 200: jsonResponse(BackupPageSchema, 'A page of backups'), ...problemResponses(400, 401, 403) },
});

export const getBackup = createRoute({
  method: 'get',
  path: '/api/backups/{id}',
  tags,
  security,
  middleware,
  summary: 'One backup, with its progress',
  request: { params: IdParam },
  responses: { 200: jsonResponse(BackupSchema, 'The backup'), ...problemResponses(401, 403, 404) },
});

export const downloadBackup = createRoute({
  method: 'get',
  path: '/api/backups/{id}/download',
  tags,
  security,
  middleware,
  summary: 'A signed download URL for the archive',
  description: 'The URL streams the archive with Range and ETag support; it is valid for an hour.',
  request: { params: IdParam },
  responses: { 200: jsonResponse(SignedUrlSchema, 'Signed URL'), ...problemResponses(401, 403, 404, 409) },
});

export const deleteBackup = createRoute({
  method: 'delete',
  path: '/api/backups/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a backup and its archive',
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, 409) },
});

export const restoreBackup = createRoute({
  method: 'post',
  path: '/api/backups/{id}/restore',
  tags,
  security,
  middleware,
  summary: 'Restore this deployment from a backup',
  description:
    'Queues a restore. Refused with 409 `conflict` when the data tables hold data, unless `{ "confirm": "replace everything" }`. The job validates the whole archive before it writes anything.',
  request: { params: IdParam, ...jsonRequest(RestoreBackupSchema, false) },
  responses: { 202: jsonResponse(BackupSchema, 'Queued'), ...problemResponses(400, 401, 403, 404, 409) },
});
