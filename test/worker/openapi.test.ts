import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { API_TAGS } from '../../src/features/docs';
import { completeDocument, defaultOperationId, HTTP_METHODS, type OpenApiDocument } from '../../src/lib/openapi';
import { call } from './helpers';

// The contract as another team's tooling reads it: every operation of /api/openapi.json carries
// what a client generator and Redocly's recommended rules expect, and the test names each route
// that does not. Schema validation, Redocly's own lint and a generated client are checked in Node
// by scripts/check-openapi.mjs (`npm run check`): the validator reads its schemas from disk and the
// generator needs TypeScript 5's compiler API, neither of which workerd has.

type Operation = NonNullable<NonNullable<OpenApiDocument['paths']>[string]['get']>;
type Response = { $ref?: string; content?: Record<string, { schema?: unknown }> };

async function servedDocument(): Promise<OpenApiDocument> {
  const res = await call('/api/openapi.json');
  expect(res.status).toBe(200);
  return res.json<OpenApiDocument>();
}

function operations(doc: OpenApiDocument): { name: string; path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const op = item[method];
      return op ? [{ name: `${method.toUpperCase()} ${path}`, path, method, op }] : [];
    }),
  );
}

const PROBLEM_REF = '#/components/schemas/Problem';
const isProblem = (response: Response | undefined) =>
  (response?.content?.['application/problem+json']?.schema as { $ref?: string } | undefined)?.$ref === PROBLEM_REF;

describe('OpenAPI contract', () => {
  it('should name the server it is served from (APP_URL)', async () => {
    const doc = await servedDocument();
    expect(doc.servers).toEqual([{ url: env.APP_URL }]);
  });

  it('should give every operation a unique operationId', async () => {
    const doc = await servedDocument();
    const missing = operations(doc).filter(({ op }) => !op.operationId);
    expect(missing.map(({ name }) => name)).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { name, op } of operations(doc)) {
      const first = seen.get(op.operationId as string);
      if (first) duplicates.push(`${op.operationId}: ${first} and ${name}`);
      else seen.set(op.operationId as string, name);
    }
    expect(duplicates).toEqual([]);
    // URL-safe, as Redocly's operation-operationId-url-safe wants.
    expect(operations(doc).filter(({ op }) => !/^[A-Za-z0-9._~-]+$/.test(op.operationId ?? ''))).toEqual([]);
  });

  it('should give every operation a summary', async () => {
    const doc = await servedDocument();
    expect(
      operations(doc)
        .filter(({ op }) => !op.summary?.trim())
        .map(({ name }) => name),
    ).toEqual([]);
  });

  it('should declare problem+json errors: 500 everywhere, 400 where the request carries input, 401 where it needs auth', async () => {
    const doc = await servedDocument();
    const lacking: string[] = [];
    for (const { name, method, op } of operations(doc)) {
      const responses = op.responses as Record<string, Response>;
      if (!isProblem(responses['500'])) lacking.push(`${name}: 500`);
      const takesInput =
        ['post', 'put', 'patch', 'delete'].includes(method) || op.requestBody || (op.parameters?.length ?? 0) > 0;
      if (takesInput && !isProblem(responses['400'])) lacking.push(`${name}: 400`);
      if ((op.security?.length ?? 0) > 0 && !isProblem(responses['401'])) lacking.push(`${name}: 401`);
      // Every 4xx an operation declares is problem+json: the error handler answers nothing else.
      for (const [status, response] of Object.entries(responses)) {
        if (/^4/.test(status) && !isProblem(response)) lacking.push(`${name}: ${status} is not problem+json`);
      }
    }
    expect(lacking).toEqual([]);
  });

  it('should declare a response schema for every success response (204 and redirects excepted)', async () => {
    const doc = await servedDocument();
    const lacking: string[] = [];
    for (const { name, op } of operations(doc)) {
      const responses = op.responses as Record<string, Response>;
      const successes = Object.keys(responses).filter((status) => /^[23]/.test(status));
      if (successes.length === 0) lacking.push(`${name}: no success response`);
      for (const status of successes.filter((s) => /^2/.test(s) && s !== '204')) {
        const content = Object.entries(responses[status]?.content ?? {});
        if (content.length === 0 || content.some(([, media]) => media.schema === undefined)) {
          lacking.push(`${name}: ${status} has no schema`);
        }
      }
    }
    expect(lacking).toEqual([]);
  });

  it('should state security on every operation: empty for public ones, only declared schemes otherwise', async () => {
    const doc = await servedDocument();
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    expect(
      operations(doc)
        .filter(({ op }) => !Array.isArray(op.security))
        .map(({ name }) => name),
    ).toEqual([]);
    const undeclared = operations(doc).flatMap(({ name, op }) =>
      (op.security ?? []).flatMap((requirement) =>
        Object.keys(requirement)
          .filter((scheme) => !schemes.includes(scheme))
          .map((scheme) => `${name}: ${scheme}`),
      ),
    );
    expect(undeclared).toEqual([]);
    // Spot checks both ways: a public route says so, a signed-in route names the bearer scheme.
    expect(doc.paths?.['/api/auth/login']?.post?.security).toEqual([]);
    expect(doc.paths?.['/api/users/me']?.get?.security).toEqual([{ bearer: [] }]);
  });

  it('should define every path parameter of every path, and no other', async () => {
    const doc = await servedDocument();
    const mismatched: string[] = [];
    for (const { name, path, op } of operations(doc)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? [])
        .filter((p) => 'in' in p && p.in === 'path')
        .map((p) => ('name' in p ? p.name : ''))
        .sort();
      if (JSON.stringify(inPath) !== JSON.stringify(declared)) {
        mismatched.push(`${name}: path has {${inPath.join(', ')}}, declared ${declared.join(', ') || 'none'}`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('should declare, with a description, every tag an operation uses', async () => {
    const doc = await servedDocument();
    const declared = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));
    const undeclared = [...new Set(operations(doc).flatMap(({ op }) => op.tags ?? []))].filter(
      (tag) => !declared.get(tag),
    );
    expect(undeclared).toEqual([]);
    expect(doc.tags).toEqual(API_TAGS);
  });
});

describe('completeDocument', () => {
  const bare = (): OpenApiDocument => ({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/api/files/{id}': {
        get: {
          summary: 'Get one',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          security: [{ bearer: [] }],
          responses: { 200: { description: 'ok' }, 404: { description: 'Mine', content: {} } },
        },
        delete: { operationId: 'files.delete', responses: { 204: { description: 'gone' } } },
      },
      '/api/meta': { get: { responses: { 200: { description: 'ok' } } } },
    },
  });

  it('should derive a readable operationId from method and path, and keep a declared one', () => {
    const doc = completeDocument(bare(), { serverUrl: '/' });
    expect(doc.paths?.['/api/files/{id}']?.get?.operationId).toBe('getFilesById');
    expect(doc.paths?.['/api/files/{id}']?.delete?.operationId).toBe('files.delete');
    expect(defaultOperationId('post', '/api/auth/verify-email/request')).toBe('postAuthVerifyEmailRequest');
    expect(defaultOperationId('delete', '/api/rooms/{id}/messages/{messageId}')).toBe(
      'deleteRoomsByIdMessagesByMessageId',
    );
    expect(defaultOperationId('get', '/.well-known/jwks.json')).toBe('getWellKnownJwksJson');
    expect(defaultOperationId('get', '/api')).toBe('get');
  });

  it('should mark operations without security as public, and leave declared security alone', () => {
    const doc = completeDocument(bare(), { serverUrl: '/' });
    expect(doc.paths?.['/api/meta']?.get?.security).toEqual([]);
    expect(doc.paths?.['/api/files/{id}']?.get?.security).toEqual([{ bearer: [] }]);
  });

  it('should add problem responses (500; 400 for input; 401 for auth) without replacing a declared one', () => {
    const doc = completeDocument(bare(), { serverUrl: '/' });
    const get = doc.paths?.['/api/files/{id}']?.get?.responses ?? {};
    expect(Object.keys(get).sort()).toEqual(['200', '400', '401', '404', '500']);
    expect(get['401']?.description).toBe('Not signed in');
    expect(get['400']).toEqual({
      description: 'Invalid request',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    expect(get['404']).toEqual({ description: 'Mine', content: {} });
    expect(Object.keys(doc.paths?.['/api/files/{id}']?.delete?.responses ?? {}).sort()).toEqual(['204', '400', '500']);
    expect(Object.keys(doc.paths?.['/api/meta']?.get?.responses ?? {}).sort()).toEqual(['200', '500']);
  });

  it('should name the server given, and keep servers a document already has', () => {
    expect(completeDocument(bare(), { serverUrl: 'https://hearth.example' }).servers).toEqual([
      { url: 'https://hearth.example' },
    ]);
    const named = { ...bare(), servers: [{ url: 'https://api.example' }] };
    expect(completeDocument(named, { serverUrl: '/' }).servers).toEqual([{ url: 'https://api.example' }]);
  });

  it('should not change the document it was given', () => {
    const doc = bare();
    const before = structuredClone(doc);
    completeDocument(doc, { serverUrl: '/' });
    expect(doc).toEqual(before);
  });
});
