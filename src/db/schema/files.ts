import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { createdAt, id, timestamp } from './columns';
import { users } from './users';

/**
 * A stored file. `r2Key` is generated (`files/<ownerId>/<id>`), never derived
 * from the name, which is display metadata only.
 */
export const files = sqliteTable(
  'files',
  {
    id: id(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Lower-cased name, for case-insensitive search and sorting. */
    nameKey: text('name_key').notNull(),
    size: integer('size').notNull(),
    contentType: text('content_type').notNull(),
    /** Hex SHA-256 of the body; null until computed for multipart uploads. */
    sha256: text('sha256'),
    r2Key: text('r2_key').notNull(),
    etag: text('etag').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    index('files_owner_created_idx').on(t.ownerId, t.createdAt, t.id),
    index('files_owner_name_idx').on(t.ownerId, t.nameKey, t.id),
    index('files_owner_size_idx').on(t.ownerId, t.size, t.id),
    uniqueIndex('files_r2_key_unique').on(t.r2Key),
  ],
);

/** Bytes each user stores, kept exact by conditional updates (quota checks read it). */
export const storageUsage = sqliteTable('storage_usage', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  usedBytes: integer('used_bytes').notNull().default(0),
  /** Null means the deployment default (`STORAGE_QUOTA_BYTES`). */
  quotaBytes: integer('quota_bytes'),
});

/** A resumable upload in progress: an R2 multipart upload and the parts done so far. */
export const uploads = sqliteTable(
  'uploads',
  {
    id: id(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    contentType: text('content_type'),
    size: integer('size').notNull(),
    partSize: integer('part_size').notNull(),
    r2Key: text('r2_key').notNull(),
    r2UploadId: text('r2_upload_id').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at').notNull(),
  },
  (t) => [index('uploads_owner_idx').on(t.ownerId), index('uploads_expires_idx').on(t.expiresAt)],
);

export const uploadParts = sqliteTable(
  'upload_parts',
  {
    uploadId: text('upload_id')
      .notNull()
      .references(() => uploads.id, { onDelete: 'cascade' }),
    partNumber: integer('part_number').notNull(),
    size: integer('size').notNull(),
    etag: text('etag').notNull(),
    uploadedAt: timestamp('uploaded_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.partNumber] })],
);

/** A public link to a file. Downloads are counted by one conditional UPDATE, exact under concurrency. */
export const shares = sqliteTable(
  'shares',
  {
    id: id(),
    /** The secret in `/s/<token>`; 256 random bits. */
    token: text('token').notNull(),
    fileId: text('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at'),
    maxDownloads: integer('max_downloads'),
    downloads: integer('downloads').notNull().default(0),
    /** scrypt hash of the share password, if any. */
    passwordHash: text('password_hash'),
    /**
     * Password guesses in the window that began at `failedSince`, from every
     * address together (a guess is counted before it is checked, and handed
     * back when it was right). The limit reached locks the link until `lockedUntil`.
     */
    failedAttempts: integer('failed_attempts').notNull().default(0),
    failedSince: timestamp('failed_since'),
    lockedUntil: timestamp('locked_until'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull(),
    revokedAt: timestamp('revoked_at'),
  },
  (t) => [uniqueIndex('shares_token_unique').on(t.token), index('shares_file_idx').on(t.fileId)],
);

/** Every download. Ids are not foreign keys: the log outlives files, shares and users. */
export const accessLogs = sqliteTable(
  'access_logs',
  {
    id: id(),
    at: timestamp('at').notNull(),
    fileId: text('file_id').notNull(),
    /** The file's owner, so owners can read their files' downloads after a file is gone. */
    ownerId: text('owner_id').notNull(),
    shareId: text('share_id'),
    userId: text('user_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    bytes: integer('bytes').notNull(),
    status: integer('status').notNull(),
  },
  (t) => [
    index('access_logs_at_idx').on(t.at),
    index('access_logs_file_idx').on(t.fileId, t.at),
    index('access_logs_owner_idx').on(t.ownerId, t.at),
  ],
);
