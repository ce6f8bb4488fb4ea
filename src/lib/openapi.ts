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

/** The OpenAPI 3.1 document `getOpenAPI31Document` generates. */
export type OpenApiDocument = ReturnType<Router['getOpenAPI31Document']>;

/** The keys of a path item that are operations. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

function camel(words: string[]): string {
  return words
    .map((word, i) => (i === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()))
    .join('');
}

/**
 * The operationId of a route that declares none: the method, then the path without its `/api`
 * prefix, in camelCase, with `{param}` read as `By<Param>`. `GET /api/files/{id}` is
 * `getFilesById`, `POST /api/rooms/{id}/join` is `postRoomsByIdJoin`. A method and a path name
 * one operation, so the ids are unique, and they change only when the route does.
 */
export function defaultOperationId(method: string, path: string): string {
  const words = [method];
  for (const segment of path.replace(/^\/api(?=\/|$)/, '').split('/')) {
    const param = /^\{(.+)\}$/.exec(segment);
    const parts = (param?.[1] ?? segment).split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
    if (parts.length > 0) words.push(...(param ? ['by', ...parts] : parts));
  }
  return camel(words);
}

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/**
 * Gives every operation what a client generator and a linter expect, where its route left it
 * out, so the guarantees hold in one place rather than in each feature's declarations:
 * - an `operationId` (`defaultOperationId`);
 * - `security: []` on public operations, so "no auth" is stated rather than implied;
 * - a 500 problem response (the error handler answers any unexpected failure so), a 400 one
 *   when the operation takes input (parameters or a body; `jsonBody` refuses malformed JSON on
 *   every POST, PUT, PATCH and DELETE), and a 401 one when it requires a security scheme;
 * - `servers`, naming where the API is served.
 *
 * What only a route's owner can say (a summary, a success schema) is not invented here; the
 * contract test names the routes that lack it.
 */
export function completeDocument(doc: OpenApiDocument, options: { serverUrl: string }): OpenApiDocument {
  const paths: NonNullable<OpenApiDocument['paths']> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const completed = { ...item };
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const takesInput =
        BODY_METHODS.has(method) || Boolean(operation.requestBody) || Boolean(operation.parameters?.length);
      const security = operation.security ?? [];
      const responses = { ...operation.responses };
      const problem = (status: number, description: string) => {
        responses[status] ??= { description, content: problemContent };
      };
      if (takesInput) problem(400, 'Invalid request');
      if (security.length > 0) problem(401, 'Not signed in');
      problem(500, 'Unexpected error');
      completed[method] = {
        ...operation,
        operationId: operation.operationId ?? defaultOperationId(method, path),
        security,
        responses,
      };
    }
    paths[path] = completed;
  }
  return {
    ...doc,
    servers: doc.servers?.length ? doc.servers : [{ url: options.serverUrl }],
    paths,
  };
}
