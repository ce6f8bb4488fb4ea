import { createRoute, z } from '@hono/zod-openapi';
import { desc, eq, sql } from 'drizzle-orm';
import { files, storageUsage, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { createRouter, IdParam, jsonResponse, problemResponses } from '../../lib/openapi';
import { MAX_PAGE_SIZE } from '../../lib/pagination';
import { requireAuth, requirePermission } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import type { Permission } from '../roles/permissions';
import { listAdminAccessLogs, toPublicAccessLog } from './access-log.service';
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
    200: jsonResponse(
      z.object({
        totals: z.object({ files: z.number().int(), bytes: z.number().int(), users: z.number().int() }),
        defaultQuotaBytes: z.number().int(),
        users: z.array(
          z.object({
            userId: z.string(),
            email: z.string().nullable(),
            files: z.number().int(),
            bytes: z.number().int(),
            quotaBytes: z.number().int(),
          }),
        ),
        largestFiles: z.array(z.object({ ownerId: z.string() }).passthrough()),
      }),
      'Storage statistics',
    ),
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
    200: jsonResponse(
      z.object({ userId: z.string(), usedBytes: z.number().int(), quotaBytes: z.number().int() }),
      'Set',
    ),
    ...problemResponses(400, 401, 403, 404),
  },
});

const AccessLogItemSchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ format: 'date-time' }),
    fileId: z.string(),
    fileName: z.string().nullable(),
    ownerId: z.string(),
    ownerEmail: z.string().nullable(),
    shareId: z.string().nullable(),
    userId: z.string().nullable(),
    userEmail: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    bytes: z.number().int(),
    status: z.number().int(),
  })
  .openapi('AdminAccessLogEntry');

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
    query: z.object({
      file: z.string().trim().min(1).max(255).optional().openapi({ description: 'Part of the file name.' }),
      email: z
        .string()
        .trim()
        .min(1)
        .max(320)
        .optional()
        .openapi({ description: 'Part of the owner’s or the downloader’s email.' }),
      fileId: z.string().max(64).optional(),
      shareId: z.string().max(64).optional(),
      userId: z.string().max(64).optional(),
      ownerId: z.string().max(64).optional(),
      since: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
      cursor: z.string().max(64).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(AccessLogItemSchema), nextCursor: z.string().nullable() }),
      'Downloads',
    ),
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
