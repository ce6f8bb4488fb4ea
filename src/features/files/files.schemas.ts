import { z } from '@hono/zod-openapi';
import { MAX_PAGE_SIZE } from '../../lib/pagination';

// The bodies and queries of the files, sharing, upload and storage-admin routes. No service imports:
// the web app's types (src/web/types.ts) are inferred from these.

/** The longest file name, in UTF-16 units. */
export const MAX_FILE_NAME = 255;
/** The longest a share link can be set to live. */
export const MAX_SHARE_SECONDS = 365 * 24 * 60 * 60;

export const FileSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    contentType: z.string(),
    sha256: z.string().nullable().openapi({ description: 'Hex SHA-256 of the body (null while being computed).' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('File');

export const FilePageSchema = z.object({ items: z.array(FileSchema), nextCursor: z.string().nullable() });

export const FileSortSchema = z.enum(['createdAt', 'name', 'size']);
export const SortOrderSchema = z.enum(['asc', 'desc']);

export const FileListQuerySchema = z.object({
  q: z.string().max(MAX_FILE_NAME).optional().openapi({ description: 'Case-insensitive name search.' }),
  sort: FileSortSchema.default('createdAt'),
  order: SortOrderSchema.default('desc'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  // A name cursor holds up to 255 characters of name, at up to 4 UTF-8 bytes each, in base64.
  cursor: z.string().max(2048).optional(),
});

export const SignedUrlSchema = z.object({ url: z.string(), expiresAt: z.string() }).openapi('SignedUrl');

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

/** A file's links: few enough for one page, so no cursor. */
export const ShareListSchema = z.object({ items: z.array(ShareSchema), nextCursor: z.null() });

const ExpiresIn = z
  .number()
  .int()
  .min(60)
  .max(MAX_SHARE_SECONDS)
  .nullable()
  .openapi({ description: 'Seconds from now; `null` for a permanent link. Omitted on create: 7 days.' });
const MaxDownloads = z.number().int().min(1).max(1_000_000).nullable();
const SharePassword = z.string().min(8).max(128).openapi({ description: 'At least 8 characters.' });

export const ShareCreateSchema = z.strictObject({
  expiresIn: ExpiresIn.optional(),
  maxDownloads: MaxDownloads.optional(),
  password: SharePassword.optional(),
});

/** On edit, `password: null` clears it. */
export const ShareUpdateSchema = ShareCreateSchema.extend({ password: SharePassword.nullable().optional() });

export const UploadPartSchema = z.object({ partNumber: z.number().int(), size: z.number().int() });

export const UploadSchema = z
  .object({
    uploadId: z.string(),
    name: z.string(),
    size: z.number().int(),
    partSize: z.number().int(),
    partCount: z.number().int(),
    parts: z.array(UploadPartSchema),
    expiresAt: z.string(),
  })
  .openapi('Upload');

export const StorageReportSchema = z.object({
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
  largestFiles: z.array(FileSchema.extend({ ownerId: z.string() })),
});

export const QuotaSchema = z.object({ userId: z.string(), usedBytes: z.number().int(), quotaBytes: z.number().int() });

export const AdminAccessLogEntrySchema = z
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

export const AdminAccessLogPageSchema = z.object({
  items: z.array(AdminAccessLogEntrySchema),
  nextCursor: z.string().nullable(),
});

export const AdminAccessLogQuerySchema = z.object({
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
});
