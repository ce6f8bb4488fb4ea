import { z } from '@hono/zod-openapi';
import { type Permission, permissionNames } from '../roles/permissions';
import { normalizeEmail } from '../users/email';

/** Emails are compared in normalised form; the schema hands the handler that form. */
export const EmailSchema = z
  .string()
  .max(254)
  .transform(normalizeEmail)
  .pipe(z.email({ message: 'Enter a valid email address' }))
  .openapi({ type: 'string', format: 'email', example: 'ada@example.com' });

/** Length and strength are checked after Unicode normalisation, in the password policy. */
export const PasswordSchema = z.string().min(1).max(1024).openapi({ example: 'correct horse battery staple' });

export const ClientSchema = z
  .enum(['web', 'native'])
  .default('web')
  .openapi({ description: '`native` clients receive the refresh token in the body instead of a cookie.' });

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    emailVerified: z.boolean(),
    hasPassword: z.boolean(),
    phone: z.string().nullable(),
    name: z.string().nullable(),
    timezone: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    status: z.enum(['active', 'deactivated']),
    roles: z.array(z.string()),
    permissions: z
      .array(z.enum(permissionNames as readonly Permission[] as [Permission, ...Permission[]]))
      .openapi({ description: 'What the account may do, from its roles: screens follow these, not role names.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('User');

export const SignedInSchema = z
  .object({
    user: UserSchema,
    accessToken: z.string(),
    expiresIn: z.number().int().openapi({ description: 'Seconds until the access token expires.' }),
    refreshToken: z.string().optional().openapi({ description: 'Native clients only.' }),
  })
  .openapi('SignedIn');

/** What a code texted by an OTP request signs in with; `created` when the sign-in made the account. */
export const OtpSignedInSchema = SignedInSchema.extend({
  created: z.boolean().openapi({ description: 'True when this sign-in created the account.' }),
}).openapi('OtpSignedIn');

/** The answer of a request whose effect (a mail, a text) happens out of band. */
export const AcceptedSchema = z.object({ status: z.literal('accepted') }).openapi('Accepted');

export const RegisterSchema = z
  .strictObject({
    email: EmailSchema,
    password: PasswordSchema,
    name: z.string().trim().min(1).max(100).optional(),
    client: ClientSchema,
  })
  .openapi('RegisterRequest');

export const LoginSchema = z
  .strictObject({ email: EmailSchema, password: PasswordSchema, client: ClientSchema })
  .openapi('LoginRequest');

export const RefreshSchema = z
  .strictObject({ refreshToken: z.string().min(1).max(512).optional() })
  .openapi('RefreshRequest');

export const SessionSchema = z
  .object({
    id: z.string(),
    current: z.boolean(),
    client: z.enum(['web', 'native']),
    deviceLabel: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    expiresAt: z.string(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
  })
  .openapi('Session');

/** Every live session of the caller: never more than a page, so no cursor. */
export const SessionListSchema = z.object({ items: z.array(SessionSchema), nextCursor: z.null() });

/** Where `POST /api/auth/oauth/{provider}/link` sends the browser. */
export const OAuthLinkStartSchema = z.object({ url: z.string() }).openapi('OAuthLinkStart');

export const CurrentSessionSchema = z
  .object({
    user: UserSchema.nullable(),
    session: z.object({ id: z.string(), expiresAt: z.string() }).nullable(),
  })
  .openapi('CurrentSession');
