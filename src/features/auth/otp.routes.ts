import { createRoute, z } from '@hono/zod-openapi';
import { jsonRequest, problemResponses } from '../../lib/openapi';
import { AcceptedSchema, ClientSchema, OtpSignedInSchema } from './auth.schemas';

const tags = ['Auth'];

/** E.164 only: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const PhoneSchema = z
  .string()
  .max(32)
  .trim()
  .regex(/^\+[1-9]\d{7,14}$/, 'Enter the number in international format, e.g. +14155550123')
  .openapi({ example: '+14155550123' });

export const CodeSchema = z
  .string()
  .regex(/^\d{6}$/, 'The code is 6 digits')
  .openapi({ example: '042137' });

export const requestOtp = createRoute({
  method: 'post',
  path: '/api/auth/otp/request',
  tags,
  summary: 'Text me a sign-in code',
  description:
    'Sends a 6-digit code valid for 10 minutes. A new code replaces any earlier one for the number. The account is created when a code is first verified.',
  request: jsonRequest(z.strictObject({ phone: PhoneSchema }).openapi('OtpRequest')),
  responses: {
    202: {
      description: 'Code sent',
      content: { 'application/json': { schema: AcceptedSchema } },
    },
    ...problemResponses(400, 415, 429, 503),
  },
});

export const verifyOtp = createRoute({
  method: 'post',
  path: '/api/auth/otp/verify',
  tags,
  summary: 'Sign in with a texted code',
  description:
    'Each code allows 5 attempts and signs in once. Creates the account on first use of the number (`created: true`). Otherwise answers like `/api/auth/login`.',
  request: jsonRequest(
    z.strictObject({ phone: PhoneSchema, code: CodeSchema, client: ClientSchema }).openapi('OtpVerify'),
  ),
  responses: {
    200: {
      description: 'Signed in',
      content: {
        'application/json': {
          schema: OtpSignedInSchema,
        },
      },
    },
    ...problemResponses(400, 401, 403, 415, 429),
  },
});
