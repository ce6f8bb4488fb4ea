// Response bodies of the API routes the web app calls, inferred from the zod schemas the server's
// routes answer with (src/features/*/*.schemas.ts): a field renamed or retyped there fails
// `npm run typecheck` here, in every screen that reads it. Type-only imports, so no server code
// reaches the bundle; the schema modules import nothing Workers-typed, so this project checks them.
// api-contract.ts pins each `api` call to its route's schema.

import type { z } from '@hono/zod-openapi';
import type { AuditEventPageSchema, AuditLogQuerySchema } from '../features/audit/audit-log.schemas';
import type {
  AcceptedSchema,
  LoginSchema,
  OAuthLinkStartSchema,
  OtpSignedInSchema,
  RegisterSchema,
  SessionListSchema,
  SessionSchema,
  SignedInSchema,
  UserSchema,
} from '../features/auth/auth.schemas';
import type { OutboxSchema } from '../features/dev/dev.schemas';
import type {
  AdminAccessLogEntrySchema,
  AdminAccessLogPageSchema,
  AdminAccessLogQuerySchema,
  FileListQuerySchema,
  FilePageSchema,
  FileSchema,
  FileSortSchema,
  QuotaSchema,
  ShareCreateSchema,
  ShareListSchema,
  ShareSchema,
  ShareUpdateSchema,
  SignedUrlSchema,
  SortOrderSchema,
  StorageReportSchema,
  UploadSchema,
} from '../features/files/files.schemas';
import type { HealthSchema } from '../features/health/health.schemas';
import type { MetaSchema } from '../features/meta/meta.schemas';
import type { RoleListSchema, RoleSchema } from '../features/roles/roles.schemas';
import type {
  BadgeSchema,
  CompletedSprintSchema,
  SprintSchema,
  SprintStatsSchema,
  StartSoloSchema,
} from '../features/sprints/sprints.schemas';
import type { ListUsersQuerySchema, UpdateProfileSchema, UserPageSchema } from '../features/users/users.schemas';

export type { AuditAction } from '../features/audit/audit-actions';
export type { Permission } from '../features/roles/permissions';
/** Every list: SPEC §2. Lists that never span pages answer `nextCursor: null`, which fits. */
export type { Page } from '../lib/pagination';

/** `GET /api/health`: 200 when every check is ok, 503 (same body) when one fails. */
export type Health = z.output<typeof HealthSchema>;
export type CheckState = Health['status'];
export type HealthCheckName = keyof Health['checks'];

/** `GET /api/meta`: public facts about this deployment. */
export type Meta = z.output<typeof MetaSchema>;

/** The public user, as every auth, users and admin route returns it. */
export type User = z.output<typeof UserSchema>;
export type UserStatus = User['status'];
/** `GET /api/admin/users`. */
export type UserPage = z.output<typeof UserPageSchema>;

/** What register, login and refresh answer; a web client's refresh token stays in its HttpOnly cookie. */
export type SignedIn = z.output<typeof SignedInSchema>;
/** `POST /api/auth/otp/verify`: `created` when this sign-in made the account. */
export type OtpSignedIn = z.output<typeof OtpSignedInSchema>;
export type Accepted = z.output<typeof AcceptedSchema>;
/** `POST /api/auth/oauth/{provider}/link`. */
export type OAuthLinkStart = z.output<typeof OAuthLinkStartSchema>;

/** One signed-in device, from `GET /api/auth/sessions`. */
export type DeviceSession = z.output<typeof SessionSchema>;
export type DeviceSessionList = z.output<typeof SessionListSchema>;

/** `GET /api/dev/outbox` (development only): what the development sender "delivered". */
export type Outbox = z.output<typeof OutboxSchema>;
export type OutboxMessage = Outbox['items'][number];

export type Role = z.output<typeof RoleSchema>;
export type RoleList = z.output<typeof RoleListSchema>;

/** `GET /api/admin/audit-log`: events with the emails of the accounts involved. */
export type AuditEventPage = z.output<typeof AuditEventPageSchema>;
export type AuditEvent = AuditEventPage['items'][number];

// ---- files ----

/** A stored file, from `/api/files` (SPEC §3 Files and sharing). */
export type StoredFile = z.output<typeof FileSchema>;
export type FilePage = z.output<typeof FilePageSchema>;
export type FileSort = z.output<typeof FileSortSchema>;
export type SortOrder = z.output<typeof SortOrderSchema>;

/** `POST /api/files/uploads` and `GET /api/files/uploads/:id`: a resumable upload and the parts it has. */
export type ResumableUpload = z.output<typeof UploadSchema>;

/** A signed download link, from `GET /api/files/:id/download`. */
export type SignedUrl = z.output<typeof SignedUrlSchema>;

/** A share link of one file. */
export type Share = z.output<typeof ShareSchema>;
export type ShareList = z.output<typeof ShareListSchema>;

/** `GET /api/admin/storage`. */
export type StorageReport = z.output<typeof StorageReportSchema>;
/** `PUT /api/admin/users/:id/quota`. */
export type Quota = z.output<typeof QuotaSchema>;

/** One download, from `GET /api/admin/access-logs`. */
export type AccessLogEntry = z.output<typeof AdminAccessLogEntrySchema>;
export type AccessLogPage = z.output<typeof AdminAccessLogPageSchema>;

// ---- sprints ----

/** A solo sprint or a person's part in a coworking session, from `/api/sprints` (SPEC §3 Sprints). */
export type Sprint = z.output<typeof SprintSchema>;
export type SprintStatus = Sprint['status'];
/** `POST /api/sprints/:id/complete`: the sprint and the badges it just earned. */
export type CompletedSprint = z.output<typeof CompletedSprintSchema>;
/** `GET /api/sprints/stats`: streaks, freezes, the last 90 days and badges, in the user's time zone. */
export type SprintStats = z.output<typeof SprintStatsSchema>;
export type EarnedBadge = z.output<typeof BadgeSchema>;

// ---- what the web app sends: the route's request schema, before defaults and transforms ----

/** The web client never asks for a body refresh token, so it leaves `client` to its default. */
export type RegisterBody = Omit<z.input<typeof RegisterSchema>, 'client'>;
export type LoginBody = Omit<z.input<typeof LoginSchema>, 'client'>;
export type ProfileChange = Pick<z.input<typeof UpdateProfileSchema>, 'name' | 'timezone'>;
export type UserQuery = Pick<z.input<typeof ListUsersQuerySchema>, 'q' | 'role' | 'status' | 'cursor'>;
/** `since` (inclusive) and `until` (exclusive) are ISO 8601. */
export type AuditLogQuery = Pick<
  z.input<typeof AuditLogQuerySchema>,
  'action' | 'outcome' | 'email' | 'since' | 'until' | 'cursor'
>;
/** The screen always names its sort, so both are required here. */
export type FileQuery = Pick<z.input<typeof FileListQuerySchema>, 'q' | 'cursor'> &
  Pick<z.output<typeof FileListQuerySchema>, 'sort' | 'order'>;
/** A new link: `expiresIn` in seconds from now (null: never), `maxDownloads` null: no cap. */
export type ShareCreate = z.input<typeof ShareCreateSchema>;
/** An edit: the same, and `password: null` removes the password. */
export type ShareChange = z.input<typeof ShareUpdateSchema>;
/** `POST /api/sprints/solo`. */
export type SprintStart = z.input<typeof StartSoloSchema>;
export type AccessLogQuery = Pick<
  z.input<typeof AdminAccessLogQuerySchema>,
  'fileId' | 'ownerId' | 'file' | 'email' | 'since' | 'cursor'
>;

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
