import { createRoute, z } from '@hono/zod-openapi';
import { desc, eq, sql } from 'drizzle-orm';
import { files, storageUsage, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { createRouter, IdParam, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import type { Permission } from '../roles/permissions';
import { listAdminAccessLogs, toPublicAccessLog } from './access-log.service';
import { AdminAccessLogPageSchema, AdminAccessLogQuerySchema, QuotaSchema, StorageReportSchema } from './files.schemas';
import { toPublicFile } from './files.service';

const tags = ['Admin'];
const security = [{ bearer: [] }];
const needs = (permission: Permission) => [requireAuth(), requirePermission(permission)];

const storageStats = createRoute({
  method: 'get',
  path: '/api/admin/storage',
  tags,
  security,
  middleware: needs('storage.manage'),
  summary: 'Storage totals, usage per user and the largest files',
  responses: {
    200: jsonResponse(StorageReportSchema, 'Storage statistics'),
    ...problemResponses(401, 403),
  },
});

const setQuota = createRoute({
  method: 'put',
  path: '/api/admin/users/{id}/quota',
  tags,
  security,
  middleware: needs('storage.manage'),
  summary: "Set a user's storage quota",
  description: '`quotaBytes: null` returns the user to the deployment default (`STORAGE_QUOTA_BYTES`).',
  request: {
    params: IdParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({ quotaBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable() }),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(QuotaSchema, 'Set'),
    ...problemResponses(400, 401, 403, 404),
  },
});

const accessLogs = createRoute({
  method: 'get',
  path: '/api/admin/access-logs',
  tags,
  security,
  middleware: needs('files.read_any'),
  summary: 'Every download, newest first',
  description:
    'Each entry names the file (null once it is deleted), its owner’s email and the downloader’s email (null for share links and signed links). `file` matches part of the file name and `email` part of the owner’s or the downloader’s email, ignoring case.',
  request: {
    query: AdminAccessLogQuerySchema,
  },
  responses: {
    200: jsonResponse(AdminAccessLogPageSchema, 'Downloads'),
    ...problemResponses(400, 401, 403),
  },
});

export const adminStorageRoutes = createRouter()
  .openapi(storageStats, async (c) => {
    const db = c.var.db;
    const defaultQuota = c.var.config.storageQuotaBytes;
    const [totals] = await db
      .select({
        files: sql<number>`count(*)`,
        bytes: sql<number>`coalesce(sum(${files.size}), 0)`,
        users: sql<number>`count(distinct ${files.ownerId})`,
      })
      .from(files);
    const perUser = await db
      .select({
        userId: files.ownerId,
        email: users.email,
        files: sql<number>`count(*)`,
        bytes: sql<number>`sum(${files.size})`,
        quotaBytes: sql<number>`coalesce(max(${storageUsage.quotaBytes}), ${defaultQuota})`,
      })
      .from(files)
      .innerJoin(users, eq(users.id, files.ownerId))
      .leftJoin(storageUsage, eq(storageUsage.userId, files.ownerId))
      .groupBy(files.ownerId, users.email)
      .orderBy(desc(sql`sum(${files.size})`))
      .limit(100);
    const largest = await db.select().from(files).orderBy(desc(files.size)).limit(10);
    return c.json(
      {
        totals: totals ?? { files: 0, bytes: 0, users: 0 },
        defaultQuotaBytes: defaultQuota,
        users: perUser,
        largestFiles: largest.map((file) => ({ ...toPublicFile(file), ownerId: file.ownerId })),
      },
      200,
    );
  })
  .openapi(setQuota, async (c) => {
    const { id } = c.req.valid('param');
    const { quotaBytes } = c.req.valid('json');
    const [user] = await c.var.db.select({ id: users.id }).from(users).where(eq(users.id, id)).limit(1);
    if (!user) throw new AppError('not_found', 'No such user.');
    const [row] = await c.var.db
      .insert(storageUsage)
      .values({ userId: id, usedBytes: 0, quotaBytes })
      .onConflictDoUpdate({ target: storageUsage.userId, set: { quotaBytes } })
      .returning();
    await audit(c, { action: 'admin.user_update', targetType: 'user', targetId: id, details: { quotaBytes } });
    return c.json(
      { userId: id, usedBytes: row?.usedBytes ?? 0, quotaBytes: row?.quotaBytes ?? c.var.config.storageQuotaBytes },
      200,
    );
  })
  .openapi(accessLogs, async (c) => {
    const query = c.req.valid('query');
    const page = await listAdminAccessLogs(c.var.db, {
      ...query,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
    });
    const items = page.items.map(({ log, fileName, ownerEmail, userEmail }) => ({
      ...toPublicAccessLog(log),
      fileName,
      ownerEmail,
      userEmail,
    }));
    return c.json({ items, nextCursor: page.nextCursor }, 200);
  });
