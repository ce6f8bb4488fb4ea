import { createRoute } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { ShareCreateSchema, ShareListSchema, ShareSchema, ShareUpdateSchema } from './files.schemas';

const tags = ['Sharing'];
const security = [{ bearer: [] }];

export const createShareRoute = createRoute({
  method: 'post',
  path: '/api/files/{id}/shares',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Share a file by link',
  request: {
    params: IdParam,
    ...jsonRequest(ShareCreateSchema),
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
    200: jsonResponse(ShareListSchema, 'Shares, newest first'),
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
    ...jsonRequest(ShareUpdateSchema),
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
