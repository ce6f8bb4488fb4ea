import { createRoute, z } from '@hono/zod-openapi';
import { IdParam, jsonRequest, jsonResponse, problemResponses } from '../../lib/openapi';
import { optionalAuth, requireAuth } from '../../middleware/auth';
import {
  CurrentSessionSchema,
  LoginSchema,
  RefreshSchema,
  RegisterSchema,
  SessionListSchema,
  SignedInSchema,
} from './auth.schemas';

const bearer = [{ bearer: [] }];
const tags = ['Auth'];

export const register = createRoute({
  method: 'post',
  path: '/api/auth/register',
  tags,
  summary: 'Create an account and sign in',
  request: jsonRequest(RegisterSchema),
  responses: {
    201: jsonResponse(SignedInSchema, 'Signed up and signed in'),
    ...problemResponses(400, 409, 415, 429),
  },
});

export const login = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags,
  summary: 'Sign in with email and password',
  description: 'Unknown email and wrong password get the same 401, after the same work.',
  request: jsonRequest(LoginSchema),
  responses: { 200: jsonResponse(SignedInSchema, 'Signed in'), ...problemResponses(400, 401, 403, 415, 429) },
});

export const refresh = createRoute({
  method: 'post',
  path: '/api/auth/refresh',
  tags,
  summary: 'Rotate the refresh token and get a new access token',
  description:
    'The refresh token comes from the cookie (web) or the body (native). No token at all (a signed-out browser has no cookie) is 204: nobody is signed in here, which is not an error. A token that is not valid, expired or revoked is 401; replaying a spent token outside the grace window ends the session: 401 `refresh_token_reused`.',
  request: jsonRequest(RefreshSchema, false),
  responses: {
    200: jsonResponse(SignedInSchema, 'Refreshed'),
    204: { description: 'No refresh token was presented: signed out' },
    ...problemResponses(401, 403),
  },
});

export const logout = createRoute({
  method: 'post',
  path: '/api/auth/logout',
  middleware: [optionalAuth()] as const,
  tags,
  summary: 'End this session',
  request: jsonRequest(RefreshSchema, false),
  responses: { 204: { description: 'Signed out' }, ...problemResponses(403) },
});

export const logoutAll = createRoute({
  method: 'post',
  path: '/api/auth/logout-all',
  middleware: [requireAuth()] as const,
  tags,
  security: bearer,
  summary: 'End every session of this account',
  responses: { 204: { description: 'Every session ended' }, ...problemResponses(401) },
});

export const currentSession = createRoute({
  method: 'get',
  path: '/api/auth/session',
  middleware: [optionalAuth()] as const,
  tags,
  summary: 'Who is signed in',
  responses: { 200: jsonResponse(CurrentSessionSchema, 'The signed-in user and session, or nulls') },
});

export const listMySessions = createRoute({
  method: 'get',
  path: '/api/auth/sessions',
  middleware: [requireAuth()] as const,
  tags,
  security: bearer,
  summary: 'My signed-in devices',
  responses: {
    200: jsonResponse(SessionListSchema, 'Live sessions'),
    ...problemResponses(401),
  },
});

export const revokeMySession = createRoute({
  method: 'delete',
  path: '/api/auth/sessions/{id}',
  middleware: [requireAuth()] as const,
  tags,
  security: bearer,
  summary: 'Sign out one device',
  request: { params: IdParam },
  responses: { 204: { description: 'Session ended' }, ...problemResponses(401, 404) },
});

export const jwks = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags,
  summary: 'Public keys that verify access tokens',
  responses: {
    200: jsonResponse(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), 'JSON Web Key Set'),
  },
});
