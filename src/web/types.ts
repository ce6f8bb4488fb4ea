// Response bodies of the API routes the web app calls, as SPEC §3 and the
// route schemas (src/features/*/*.routes.ts) define them.

import type { AuditAction } from '../features/audit/audit-actions';
import type { Permission } from '../features/roles/permissions';

export type { AuditAction, Permission };

export type CheckState = 'ok' | 'fail';

/** `GET /api/health`: 200 when every check is ok, 503 (same body) when one fails. */
export interface Health {
  status: CheckState;
  checks: { db: CheckState; kv: CheckState; storage: CheckState; config: CheckState };
  /** Why each failing check failed, in words an operator can act on. */
  problems: string[];
  version: string;
}

export type HealthCheckName = keyof Health['checks'];

/** `GET /api/meta`: public facts about this deployment. */
export interface Meta {
  name: 'Hearth';
  version: string;
  environment: 'development' | 'production' | 'test';
  /** Configured OpenID Connect sign-in providers; `/api/auth/oauth/<id>` starts one. */
  providers?: { id: string; name: string }[];
}

export type UserStatus = 'active' | 'deactivated';

/** The public user, as every auth, users and admin route returns it. */
export interface User {
  id: string;
  email: string | null;
  emailVerified: boolean;
  /** False for accounts made by phone code or an identity provider until they set one. */
  hasPassword: boolean;
  phone: string | null;
  name: string | null;
  timezone: string | null;
  settings: Record<string, unknown>;
  status: UserStatus;
  /** Role names, e.g. `['admin', 'user']`. */
  roles: string[];
  createdAt: string;
  updatedAt: string;
}

/** What register, login, OTP verify and refresh answer; the refresh token stays in its HttpOnly cookie. */
export interface SignedIn {
  user: User;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/** A message the development sender "delivered", from `GET /api/dev/outbox` (development only). */
export interface OutboxMessage {
  id: string;
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  body: string;
  createdAt: string;
}

/** One signed-in device, from `GET /api/auth/sessions`. */
export interface DeviceSession {
  id: string;
  /** The session making this request. */
  current: boolean;
  client: 'web' | 'native';
  deviceLabel: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
}

export interface Role {
  id: string;
  name: string;
  description: string | null;
  /** `admin` and `user`: they cannot be deleted. */
  builtIn: boolean;
  /** Catalogue names (src/features/roles/permissions.ts), in catalogue order; `admin` holds them all. */
  permissions: Permission[];
  createdAt: string;
}

/** One entry of `GET /api/admin/audit-log`, with the emails of the accounts involved. */
export interface AuditEvent {
  id: string;
  at: string;
  action: AuditAction;
  outcome: 'success' | 'failure';
  actorId: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  targetEmail: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown> | null;
}

/** Every list: SPEC §2. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Accepted {
  status: 'accepted';
}

// ---- files ----

/** A stored file, from `/api/files` (SPEC §3 Files and sharing). */
export interface StoredFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  /** Hex SHA-256; null while a resumable upload is still being hashed. */
  sha256: string | null;
  createdAt: string;
  updatedAt: string;
}

export type FileSort = 'createdAt' | 'name' | 'size';
export type SortOrder = 'asc' | 'desc';

/** `POST /api/files/uploads` and `GET /api/files/uploads/:id`: a resumable upload and the parts it has. */
export interface ResumableUpload {
  uploadId: string;
  name: string;
  size: number;
  /** Every part but the last is exactly this many bytes. */
  partSize: number;
  partCount: number;
  parts: { partNumber: number; size: number }[];
  expiresAt: string;
}

/** A signed download link, from `GET /api/files/:id/download`. */
export interface SignedUrl {
  url: string;
  expiresAt: string;
}

/** A share link of one file. */
export interface Share {
  id: string;
  fileId: string;
  token: string;
  /** The public page, `<APP_URL>/s/<token>`. */
  url: string;
  /** Revoked, expired and used-up links stay listed. */
  state: 'active' | 'expired' | 'used_up' | 'revoked';
  /** Null: never expires. */
  expiresAt: string | null;
  /** Null: no cap. */
  maxDownloads: number | null;
  downloads: number;
  hasPassword: boolean;
  /** Password guesses in the current 15 minutes, from every address. */
  failedAttempts: number;
  /** Set while too many wrong passwords keep the link locked. */
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  revokedAt: string | null;
}

/** `GET /api/admin/storage`. */
export interface StorageReport {
  totals: { files: number; bytes: number; users: number };
  defaultQuotaBytes: number;
  /** Users who store at least one file, most bytes first (at most 100). */
  users: { userId: string; email: string | null; files: number; bytes: number; quotaBytes: number }[];
  largestFiles: (StoredFile & { ownerId: string })[];
}

/** One download, from `GET /api/admin/access-logs`. */
export interface AccessLogEntry {
  id: string;
  at: string;
  fileId: string;
  ownerId: string;
  /** Set when the download came through a share link. */
  shareId: string | null;
  /** Set when a signed-in user downloaded. */
  userId: string | null;
  /** Null once the file is deleted (admin list only). */
  fileName?: string | null;
  ownerEmail?: string | null;
  userEmail?: string | null;
  ip: string | null;
  userAgent: string | null;
  bytes: number;
  status: number;
}

// ---- chat rooms ----

export type RoomVisibility = 'public' | 'private';

/** A chat room, from `/api/rooms` (src/features/rooms/rooms.routes.ts). */
export interface Room {
  id: string;
  name: string;
  visibility: RoomVisibility;
  ownerId: string;
  /** The caller's place in the room; null for a public room they have not joined. */
  role: 'owner' | 'member' | null;
  createdAt: string;
  updatedAt: string;
}

/** `POST /api/rooms/:id/ticket`: open `url` (a single-use ticket, valid for a minute) to join the room socket. */
export interface RoomTicket {
  ticket: string;
  url: string;
}
