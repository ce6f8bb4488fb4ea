import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { MAX_SHARE_SECONDS } from './shares.service';

const tags = ['Sharing'];
const security = [{ bearer: [] }];

export const ShareSchema = z
  .object({
    id: z.string(),
    fileId: z.string(),
    token: z.string(),
    url: z.string().openapi({ description: 'The public page: `<APP_URL>/s/<token>`.' }),
    state: z
      .enum(['active', 'expired', 'used_up', 'revoked'])
      .openapi({ description: 'Revoked, expired and used-up links stay listed with their counts.' }),
    expiresAt: z.string().nullable(),
    maxDownloads: z.number().int().nullable(),
    downloads: z.number().int(),
    hasPassword: z.boolean(),
    failedAttempts: z.number().int().openapi({
      description: 'Password guesses in the current 15-minute window, from every address together.',
    }),
    lockedUntil: z.string().nullable().openapi({
      description:
        'Set while the link is locked after too many wrong passwords: until then every password is refused (429).',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('Share');

const ExpiresIn = z
  .number()
  .int()
  .min(60)
  .max(MAX_SHARE_SECONDS)
  .nullable()
  .openapi({ description: 'Seconds from now; `null` for a permanent link. Omitted on create: 7 days.' });
const MaxDownloads = z.number().int().min(1).max(1_000_000).nullable();
const SharePassword = z.string().min(8).max(128).openapi({ description: 'At least 8 characters.' });
const ShareSettings = z.strictObject({
  expiresIn: ExpiresIn.optional(),
  maxDownloads: MaxDownloads.optional(),
  password: SharePassword.optional(),
});

export const createShareRoute = createRoute({
  method: 'post',
  path: '/api/files/{id}/shares',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Share a file by link',
  request: {
    params: IdParam,
    ...jsonRequest(ShareSettings),
  },
  responses: { 201: jsonResponse(ShareSchema, 'Created'), ...problemResponses(400, 401, 404) },
});

export const listSharesRoute = createRoute({
  method: 'get',
  path: '/api/files/{id}/shares',
  tags,
  security,
  middleware: [requireAuth()],
  summary: "A file's share links, revoked, expired and used-up ones too",
  request: { params: IdParam },
  responses: {
    200: jsonResponse(z.object({ items: z.array(ShareSchema), nextCursor: z.null() }), 'Shares, newest first'),
    ...problemResponses(401, 404),
  },
});

export const updateShareRoute = createRoute({
  method: 'patch',
  path: '/api/shares/{id}',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Edit a share link after creating it',
  description:
    'Extend or shorten the expiry, change the download cap, set (`password`) or clear (`null`) the password. A new or cleared password also ends a lock-out.',
  request: {
    params: IdParam,
    ...jsonRequest(
      // On edit, `password: null` clears it.
      ShareSettings.extend({ password: SharePassword.nullable().optional() }),
    ),
  },
  responses: { 200: jsonResponse(ShareSchema, 'Updated'), ...problemResponses(400, 401, 404) },
});

export const revokeShareRoute = createRoute({
  method: 'delete',
  path: '/api/shares/{id}',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Revoke a share link',
  description: 'The link answers 404 from the next request on.',
  request: { params: IdParam },
  responses: { 204: { description: 'Revoked' }, ...problemResponses(401, 404) },
});
