import { z } from '@hono/zod-openapi';
import { jsonDepth, MAX_JSON_DEPTH } from '../../lib/decode';
import { PageQuerySchema, pageSchema } from '../../lib/pagination';
import { AiExportShape } from '../ai/ai.schemas';
import { AuditEventSchema } from '../audit/audit-log.schemas';
import { PasswordSchema, UserSchema } from '../auth/auth.schemas';
import { SocialExportShape } from '../social/social.schemas';
import { canonicalTimeZone, MAX_SETTINGS_BYTES, settingsBytes } from './profile-fields';

export const TimezoneSchema = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const zone = canonicalTimeZone(value);
    if (zone === null) {
      ctx.addIssue({ code: 'custom', message: 'Use an IANA time zone name such as Europe/Paris' });
      return z.NEVER;
    }
    return zone;
  })
  .openapi({ type: 'string', example: 'Europe/Paris', description: 'An IANA time zone name.' });

export const SettingsSchema = z
  .record(z.string(), z.unknown())
  // Checked first, and the size only when it passes: measuring serialises the value, which a very deep
  // one would overflow, and SQLite's json_patch refuses nesting past 1000 levels.
  .refine((settings) => jsonDepth(settings) <= MAX_JSON_DEPTH, {
    message: `Settings may nest at most ${MAX_JSON_DEPTH} levels deep`,
    abort: true,
  })
  .refine((settings) => settingsBytes(settings) <= MAX_SETTINGS_BYTES, {
    message: `Settings may hold at most ${MAX_SETTINGS_BYTES} bytes of JSON`,
  })
  .openapi({
    description: `A JSON object merged into the stored settings (RFC 7396: a null value removes that key). At most ${MAX_SETTINGS_BYTES} bytes once merged, nested at most ${MAX_JSON_DEPTH} levels deep.`,
    example: { theme: 'dark' },
  });

/**
 * What a user may change about themselves. Strict: role, email, id, status or
 * password fields are unknown keys and refused with 400, so no body here can
 * grant a role.
 */
export const UpdateProfileSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    timezone: TimezoneSchema.nullable().optional(),
    settings: SettingsSchema.optional(),
  })
  .openapi('UpdateProfileRequest');

export const DeleteAccountSchema = z
  .strictObject({
    password: PasswordSchema.optional().openapi({
      description: 'Required for accounts with a password. Accounts without one must have signed in recently.',
    }),
  })
  .openapi('DeleteAccountRequest');

export const UserIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const ListUsersQuerySchema = PageQuerySchema.extend({
  q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Part of the email, name or phone number.' }),
  role: z.string().min(1).max(64).optional().openapi({ description: 'A role name or id the user holds.' }),
  status: z.enum(['active', 'deactivated']).optional(),
});

export const UserPageSchema = pageSchema(UserSchema).openapi('UserPage');

const iso = z.string().openapi({ format: 'date-time' });

export const UserExportSchema = z
  .object({
    exportedAt: iso,
    profile: UserSchema,
    ...SocialExportShape,
    ...AiExportShape,
    roles: z.array(z.object({ id: z.string(), name: z.string(), grantedAt: iso, grantedBy: z.string().nullable() })),
    sessions: z.array(
      z.object({
        id: z.string(),
        client: z.enum(['web', 'native']),
        deviceLabel: z.string().nullable(),
        userAgent: z.string().nullable(),
        ip: z.string().nullable(),
        createdAt: iso,
        lastUsedAt: iso,
        expiresAt: iso,
        revokedAt: iso.nullable(),
        revokedReason: z.string().nullable(),
      }),
    ),
    oauthAccounts: z.array(
      z.object({ provider: z.string(), subject: z.string(), email: z.string().nullable(), createdAt: iso }),
    ),
    auditEvents: z.array(AuditEventSchema),
    files: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        size: z.number().int(),
        contentType: z.string(),
        sha256: z.string().nullable(),
        createdAt: iso,
      }),
    ),
    shares: z.array(
      z.object({
        id: z.string(),
        fileId: z.string(),
        createdAt: iso,
        expiresAt: iso.nullable(),
        maxDownloads: z.number().int().nullable(),
        downloads: z.number().int(),
        hasPassword: z.boolean(),
        revokedAt: iso.nullable(),
      }),
    ),
    rooms: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        visibility: z.enum(['public', 'private']),
        role: z.enum(['owner', 'member']),
        joinedAt: iso,
      }),
    ),
    messages: z.array(
      z.object({
        roomId: z.string(),
        id: z.string(),
        text: z.string(),
        sentAt: iso,
        editedAt: iso.nullable(),
        deleted: z.boolean(),
      }),
    ),
    coworkingSessions: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        durationMinutes: z.number().int(),
        visibility: z.enum(['public', 'private']),
        plan: z.string().nullable(),
        startsAt: iso.nullable(),
        lat: z.number().nullable(),
        lng: z.number().nullable(),
        capacity: z.number().int(),
        shareCode: z.string(),
        phase: z.enum(['lobby', 'running', 'paused', 'ended']),
        startedAt: iso.nullable(),
        endedAt: iso.nullable(),
        createdAt: iso,
      }),
    ),
    coworkingParticipations: z.array(
      z.object({
        sessionId: z.string(),
        mode: z.enum(['host', 'in_person', 'remote']),
        joinedAt: iso,
        leftAt: iso.nullable(),
        removedAt: iso.nullable(),
        minutesPresent: z.number().int(),
      }),
    ),
    remotePassLedger: z.array(
      z.object({
        id: z.string(),
        delta: z.number().int(),
        reason: z.enum(['initial', 'grant', 'spend']),
        sessionId: z.string().nullable(),
        actorId: z.string().nullable(),
        createdAt: iso,
      }),
    ),
    sprints: z.array(
      z.object({
        id: z.string(),
        kind: z.enum(['solo', 'session']),
        sessionId: z.string().nullable(),
        goal: z.string().nullable(),
        plannedMinutes: z.number().int(),
        startedAt: iso,
        endedAt: iso.nullable(),
        status: z.enum(['running', 'completed', 'abandoned', 'expired']),
        creditedMinutes: z.number().int(),
        localDate: z.string().nullable(),
        done: z.boolean().nullable(),
      }),
    ),
    badges: z.array(z.object({ badgeId: z.string(), awardedAt: iso })),
    activityDays: z.array(z.object({ day: z.string(), firstKind: z.string() })),
  })
  .openapi('UserExport');
