import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonResponse, problemResponses } from '../../lib/openapi';
import { PageQuerySchema } from '../../lib/pagination';
import { requireAuth } from '../../middleware/auth';
import { FileListQuerySchema, FilePageSchema, FileSchema, MAX_FILE_NAME, SignedUrlSchema } from './files.schemas';

const tags = ['Files'];
const security = [{ bearer: [] }];
const middleware = [requireAuth()];

const FileIdParam = IdParam;

export const uploadFile = createRoute({
  method: 'post',
  path: '/api/files',
  tags,
  security,
  middleware,
  summary: 'Upload a file',
  description:
    'multipart/form-data with a `file` field, or the raw bytes with `?name=`. Streamed to storage; over the request cap → 413 `payload_too_large`, over your quota → 413 `quota_exceeded`, and nothing is kept. Larger files: the resumable `/api/files/uploads` flow.',
  request: {
    query: z.object({ name: z.string().min(1).max(MAX_FILE_NAME).optional() }),
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] },
        },
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      },
    },
  },
  responses: { 201: jsonResponse(FileSchema, 'Stored'), ...problemResponses(400, 401, 413) },
});

export const listFiles = createRoute({
  method: 'get',
  path: '/api/files',
  tags,
  security,
  middleware,
  summary: 'My files',
  request: {
    query: FileListQuerySchema,
  },
  responses: {
    200: jsonResponse(FilePageSchema, 'A page of files'),
    ...problemResponses(400, 401),
  },
});

export const getFile = createRoute({
  method: 'get',
  path: '/api/files/{id}',
  tags,
  security,
  middleware,
  summary: 'One of my files',
  request: { params: FileIdParam },
  responses: { 200: jsonResponse(FileSchema, 'The file'), ...problemResponses(401, 404) },
});

export const renameFile = createRoute({
  method: 'patch',
  path: '/api/files/{id}',
  tags,
  security,
  middleware,
  summary: 'Rename a file',
  request: {
    params: FileIdParam,
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ name: z.string().min(1).max(MAX_FILE_NAME) }) } },
    },
  },
  responses: { 200: jsonResponse(FileSchema, 'Renamed'), ...problemResponses(400, 401, 404) },
});

export const deleteFile = createRoute({
  method: 'delete',
  path: '/api/files/{id}',
  tags,
  security,
  middleware,
  summary: 'Delete a file, its shares and its links',
  request: { params: FileIdParam },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 404) },
});

export const downloadLink = createRoute({
  method: 'get',
  path: '/api/files/{id}/download',
  tags,
  security,
  middleware,
  summary: 'A signed download URL',
  description:
    'A worker-signed URL (HMAC over method, path and expiry) that serves GET and HEAD with Range and ETag. Default life 5 minutes, at most 7 days. `?redirect=1` answers 302 to it.',
  request: {
    params: FileIdParam,
    query: z.object({
      expiresIn: z.coerce
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60 * 60)
        .default(300),
      redirect: z.enum(['0', '1']).optional(),
    }),
  },
  responses: {
    200: jsonResponse(SignedUrlSchema, 'The link'),
    302: { description: 'Redirect to the link' },
    ...problemResponses(401, 404),
  },
});

export const fileAccessLogs = createRoute({
  method: 'get',
  path: '/api/files/{id}/access-logs',
  tags,
  security,
  middleware,
  summary: 'Downloads of one of my files',
  request: {
    params: FileIdParam,
    query: PageQuerySchema,
  },
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }),
      'Downloads, newest first',
    ),
    ...problemResponses(401, 404),
  },
});
