import { createRoute, z } from '@hono/zod-openapi';
import { jsonRequest, problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { AcceptedSchema, EmailSchema, PasswordSchema } from './auth.schemas';

const tags = ['Auth'];
const accepted = (description: string) => ({
  description,
  content: { 'application/json': { schema: AcceptedSchema } },
});
const TokenSchema = z.string().min(16).max(256);

export const requestVerification = createRoute({
  method: 'post',
  path: '/api/auth/verify-email/request',
  middleware: [requireAuth()] as const,
  security: [{ bearer: [] }],
  tags,
  summary: 'Email me a new verification link',
  responses: { 202: accepted('Sent, unless already verified'), ...problemResponses(401, 429) },
});

export const confirmVerification = createRoute({
  method: 'post',
  path: '/api/auth/verify-email/confirm',
  tags,
  summary: 'Confirm an email address with the emailed token',
  request: jsonRequest(z.strictObject({ token: TokenSchema })),
  responses: { 204: { description: 'Verified' }, ...problemResponses(400) },
});

export const requestReset = createRoute({
  method: 'post',
  path: '/api/auth/password-reset/request',
  tags,
  summary: 'Email a password-reset link',
  description: 'Answers 202 with the same body after the same work, whether or not the account exists.',
  request: jsonRequest(z.strictObject({ email: EmailSchema })),
  responses: { 202: accepted('Accepted'), ...problemResponses(400, 429) },
});

export const confirmReset = createRoute({
  method: 'post',
  path: '/api/auth/password-reset/confirm',
  tags,
  summary: 'Set a new password with the emailed token',
  description: 'Ends every session of the account and does not sign in.',
  request: jsonRequest(z.strictObject({ token: TokenSchema, password: PasswordSchema })),
  responses: { 204: { description: 'Password changed' }, ...problemResponses(400) },
});

export const changePassword = createRoute({
  method: 'post',
  path: '/api/auth/password',
  middleware: [requireAuth()] as const,
  security: [{ bearer: [] }],
  tags,
  summary: 'Change my password',
  description: 'Ends every other session of the account.',
  request: jsonRequest(z.strictObject({ currentPassword: PasswordSchema, newPassword: PasswordSchema })),
  responses: { 204: { description: 'Password changed' }, ...problemResponses(400, 401, 429) },
});
