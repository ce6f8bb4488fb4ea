import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { FileSchema, UploadPartSchema, UploadSchema } from './files.schemas';

const tags = ['Files'];
const security = [{ bearer: [] }];
const UploadId = IdParam;

export const startUploadRoute = createRoute({
  method: 'post',
  path: '/api/files/uploads',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Start a resumable upload',
  description:
    'For files of any size (well past the 100 MB request limit). Send each part with `PUT …/parts/{n}` (exactly `partSize` bytes, the last one the rest), in any order and as often as needed, then `POST …/complete`.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            name: z.string().min(1).max(255),
            size: z.number().int().min(1),
            contentType: z.string().max(255).optional(),
          }),
        },
      },
    },
  },
  responses: { 201: jsonResponse(UploadSchema, 'Started'), ...problemResponses(400, 401, 413) },
});

export const getUploadRoute = createRoute({
  method: 'get',
  path: '/api/files/uploads/{id}',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Parts done so far (to resume)',
  request: { params: UploadId },
  responses: { 200: jsonResponse(UploadSchema, 'The upload'), ...problemResponses(401, 404) },
});

export const putPartRoute = createRoute({
  method: 'put',
  path: '/api/files/uploads/{id}/parts/{n}',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Send one part',
  request: {
    params: UploadId.extend({ n: z.coerce.number().int().min(1).max(10_000) }),
    body: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
  },
  responses: {
    200: jsonResponse(UploadPartSchema, 'Stored'),
    ...problemResponses(400, 401, 404, 413),
  },
});

export const completeUploadRoute = createRoute({
  method: 'post',
  path: '/api/files/uploads/{id}/complete',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Assemble the parts into a file',
  request: { params: UploadId },
  responses: { 201: jsonResponse(FileSchema, 'The file'), ...problemResponses(401, 404, 409, 413) },
});

export const abortUploadRoute = createRoute({
  method: 'delete',
  path: '/api/files/uploads/{id}',
  tags,
  security,
  middleware: [requireAuth()],
  summary: 'Abandon an upload',
  request: { params: UploadId },
  responses: { 204: { description: 'Aborted' }, ...problemResponses(401, 404) },
});
