import { createRoute, z } from '@hono/zod-openapi';
import { jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { AcceptedSchema, EmailSchema, PasswordSchema, UserSchema } from './auth.schemas';
import { CodeSchema, PhoneSchema } from './otp.routes';

const security = [{ bearer: [] }];
const tags = ['Users'];

export const requestPhoneCode = createRoute({
  method: 'post',
  path: '/api/users/me/phone',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Add a phone number: text it a code',
  description:
    'Sends a 6-digit code (10 minutes, 5 attempts) to the number; `POST /api/users/me/phone/verify` adds it. The code only adds the number to this account: it does not sign anyone in. An account that already has a number: 409 `conflict`. Throttled like sign-in codes.',
  request: jsonRequest(z.strictObject({ phone: PhoneSchema }).openapi('AddPhoneRequest')),
  responses: {
    202: jsonResponse(AcceptedSchema, 'Code sent'),
    ...problemResponses(400, 401, 409, 415, 429, 503),
  },
});

export const verifyPhone = createRoute({
  method: 'post',
  path: '/api/users/me/phone/verify',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Add a phone number: confirm the texted code',
  description:
    'A wrong, used or expired code: 400 `validation_failed` on `body.code`. A number another account signs in with: 409 `conflict`. From then on the number also signs in to this account.',
  request: jsonRequest(z.strictObject({ phone: PhoneSchema, code: CodeSchema }).openapi('VerifyPhoneRequest')),
  responses: { 200: jsonResponse(UserSchema, 'The account, with its phone'), ...problemResponses(400, 401, 409, 415) },
});

export const addEmail = createRoute({
  method: 'post',
  path: '/api/users/me/email',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Add an email address to an account that has none',
  description:
    'For accounts made by phone code. Sends a verification link to the address. An address another account uses: 409 `email_taken`; an account that already has an email: 409 `conflict`.',
  request: jsonRequest(z.strictObject({ email: EmailSchema }).openapi('AddEmailRequest')),
  responses: {
    200: jsonResponse(UserSchema, 'The account, with its (unverified) email'),
    ...problemResponses(400, 401, 409, 415, 429),
  },
});

export const setPassword = createRoute({
  method: 'post',
  path: '/api/users/me/password',
  middleware: [requireAuth()] as const,
  tags,
  security,
  summary: 'Set a first password',
  description:
    'For accounts without one (phone code or OpenID Connect sign-in); then email and password sign in too. Needs an email on the account (409 `conflict` otherwise) and a sign-in within the last 10 minutes (403 `forbidden` otherwise), since no old password proves who is asking. An account that has a password changes it with `POST /api/auth/password` (409 `conflict` here). A weak password: 400 `weak_password`.',
  request: jsonRequest(z.strictObject({ password: PasswordSchema }).openapi('SetPasswordRequest')),
  responses: {
    200: jsonResponse(UserSchema, 'The account, now with a password'),
    ...problemResponses(400, 401, 403, 409, 415),
  },
});
