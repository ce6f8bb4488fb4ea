import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { AppError, type FieldError } from './errors';

type Issue = z.core.$ZodIssue;

/** Turns zod issues into the `errors` list of a `validation_failed` problem. */
export function fieldErrors(target: string, issues: readonly Issue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    const base = [target, ...issue.path.map(String)].join('.');
    // Unknown keys are one issue naming several keys; list each so a form can point at it.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: `${base}.${key}`, message: 'Unknown field', code: issue.code }));
    }
    return [{ path: base, message: issue.message, code: issue.code }];
  });
}

/**
 * A router whose validation failures all look the same: 400 `validation_failed`
 * with one entry per problem. Every feature builds its routes on this.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook(result) {
      if (!result.success) {
        throw new AppError('validation_failed', 'The request is not valid; see errors.', {
          errors: fieldErrors(result.target === 'json' ? 'body' : result.target, result.error.issues),
        });
      }
    },
  });
}

export type Router = ReturnType<typeof createRouter>;

/** The problem+json schema, referenced by every route's error responses. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'validation_failed' }),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
  })
  .openapi('Problem');

/** Shorthand for declaring problem responses in `createRoute`. */
export function problemResponses<S extends number>(...statuses: S[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid request',
    401: 'Not signed in',
    403: 'Forbidden',
    404: 'Not found',
    409: 'Conflict',
    410: 'Gone',
    413: 'Too large',
    415: 'Not JSON',
    429: 'Rate limited',
    503: 'Unavailable',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  ) as Record<S, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}

/** A JSON response declaration for `createRoute`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A JSON request body declaration for `createRoute`: `request: { ...jsonRequest(schema) }`. */
export function jsonRequest<T extends z.ZodType>(schema: T, required = true) {
  return { body: { required, content: { 'application/json': { schema } } } };
}

/** `{id}` in a route path: every resource id is an opaque string of at most 64 characters. */
export const IdParam = z.object({ id: z.string().min(1).max(64) });
