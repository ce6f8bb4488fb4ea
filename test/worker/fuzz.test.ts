import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, makeAdmin, ORIGIN, PASSWORD, randomIp, registerUser, type TestUser, uploadFileOk } from './helpers';

// Throws malformed values at every operation of the OpenAPI document (path parameters, query
// parameters, bodies), anonymously, as a user and as an admin, and asserts the contract of SPEC §2:
// never a 5xx, and every 4xx is problem+json with a `code`. Routes are read from the document, so
// a new route is fuzzed without touching this file.

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  minimum?: number;
  minLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters?: Parameter[];
  security?: unknown[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  components?: { schemas?: Record<string, Schema> };
}

interface Attempt {
  /** What the request tries, for the failure report. */
  label: string;
  url: string;
  body?: BodyInit;
  contentType?: string;
}

interface Failure {
  who: string;
  method: string;
  label: string;
  url: string;
  status: number;
  contentType: string | null;
  code: unknown;
}

const b64 = (value: string) => btoa(value).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const nest = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const nestObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** Raw URL text for a path segment: broken escapes stay broken, the rest is encoded. */
const PATH_VALUES: [string, string][] = [
  ['broken escape', '%E0%A4%A'],
  ['encoded lone surrogate', '%ED%A0%80'],
  ['null byte', '%00'],
  ['dot-dot', '..'],
  ['encoded slash', '..%2F..%2Fetc%2Fpasswd'],
  ['huge', 'x'.repeat(5000)],
  ['unicode', encodeURIComponent('日本語😀\u202e')],
  ['huge number', '1e309'],
];

/** Raw URL text for any query value. */
const QUERY_VALUES: [string, string][] = [
  ['broken escape', '%E0%A4%A'],
  ['null byte', '%00'],
  ['huge', 'x'.repeat(5000)],
  ['empty', ''],
  ['negative', '-1'],
  ['huge number', '99999999999999999999999'],
  ['NaN', 'NaN'],
  ['unicode', encodeURIComponent('日本語😀')],
];

/** And for a cursor: well-formed base64 of JSON of the wrong shape. */
const CURSOR_VALUES: [string, string][] = [
  ['cursor of an object', b64('{"a":1}')],
  ['cursor of an empty list', b64('[]')],
  ['cursor of a string', b64('"x"')],
  ['cursor of an object pair', b64('[{"a":1},"x"]')],
  ['cursor of a list pair', b64('[[1],"x"]')],
];

/** Values for one JSON body field: wrong types, extremes, deep nesting. */
const FIELD_VALUES: [string, string][] = [
  ['null', 'null'],
  ['number', '12345678901234567890'],
  ['negative', '-1'],
  ['object', '{"a":1}'],
  ['list', '[1,"x",null]'],
  ['huge string', JSON.stringify('x'.repeat(20_000))],
  ['odd string', JSON.stringify('日本語😀\u0000\ud800\u202e%E0%A4%A')],
  ['2000-level list', nest(2000)],
  // Small enough (4 KiB) to pass a size cap, twice as deep as SQLite's JSON functions go.
  ['object holding a 2000-level list', `{"a":${nest(2000)}}`],
];

const PLACEHOLDER_ID = '01zzzzzzzzzzzzzzzzzzzzzzzz';

function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    current = doc.components?.schemas?.[current.$ref.replace('#/components/schemas/', '')] ?? {};
  }
  const variant = current.allOf?.[0] ?? current.anyOf?.[0] ?? current.oneOf?.[0];
  return variant ? resolve(doc, variant) : current;
}

/** A plausible value for a schema, so a body with one bad field gets past its other required fields. */
function sample(doc: OpenApiDocument, raw: Schema | undefined, depth = 0): unknown {
  const schema = resolve(doc, raw);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'string') {
    if (schema.format === 'email') return `fuzz-${crypto.randomUUID().slice(0, 8)}@example.com`;
    return 'f'.repeat(Math.max(schema.minLength ?? 0, 12));
  }
  if (type === 'integer' || type === 'number') return Math.max(schema.minimum ?? 1, 1);
  if (type === 'boolean') return true;
  if (type === 'array') return [];
  if ((type === 'object' || schema.properties) && depth < 4) {
    return Object.fromEntries(
      (schema.required ?? []).map((key) => [key, sample(doc, schema.properties?.[key], depth + 1)]),
    );
  }
  return 'f'.repeat(12);
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ ...operation, method: method.toUpperCase(), path })),
  );
  // Deletions last, so they do not take away the fixtures the other operations use.
  return operations.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

interface Principal {
  who: 'anonymous' | 'user' | 'admin';
  user?: TestUser;
  /** Real ids this principal may use, by the path segment before `{param}` (`files`, `rooms`, …). */
  ids: Record<string, string>;
}

function fillPath(operation: Operation, principal: Principal, override?: { name: string; raw: string }): string {
  const segments = operation.path.split('/');
  return segments
    .map((segment, i) => {
      const name = /^\{(.+)\}$/.exec(segment)?.[1];
      if (!name) return segment;
      if (override?.name === name) return override.raw;
      if (name === 'n') return '1';
      if (name === 'provider') return 'linkedin';
      return principal.ids[`${segments[i - 1]}/{${name}}`] ?? PLACEHOLDER_ID;
    })
    .join('/');
}

function attemptsFor(doc: OpenApiDocument, operation: Operation, principal: Principal): Attempt[] {
  const base = fillPath(operation, principal);
  const attempts: Attempt[] = [];
  const parameters = operation.parameters ?? [];
  for (const parameter of parameters.filter((p) => p.in === 'path')) {
    for (const [label, raw] of PATH_VALUES) {
      attempts.push({
        label: `path ${parameter.name}: ${label}`,
        url: fillPath(operation, principal, { name: parameter.name, raw }),
      });
    }
  }
  const queryNames = parameters.filter((p) => p.in === 'query').map((p) => p.name);
  for (const name of queryNames) {
    const values = /cursor/i.test(name) ? [...QUERY_VALUES, ...CURSOR_VALUES] : QUERY_VALUES;
    for (const [label, raw] of values)
      attempts.push({ label: `query ${name}: ${label}`, url: `${base}?${name}=${raw}` });
    attempts.push({ label: `query ${name}: repeated`, url: `${base}?${name}=1&${name}=x&${name}[]=y` });
  }
  if (queryNames.length > 0) {
    attempts.push({
      label: 'every query parameter broken at once',
      url: `${base}?${queryNames.map((name) => `${name}=%E0%A4%A`).join('&')}`,
    });
  }
  if (operation.method === 'GET' || operation.method === 'HEAD') return attempts;

  const content = operation.requestBody?.content ?? {};
  const jsonSchema = content['application/json']?.schema;
  attempts.push(
    { label: 'body: invalid JSON', url: base, body: '{"a":', contentType: 'application/json' },
    { label: 'body: JSON sent as text/plain', url: base, body: '{}', contentType: 'text/plain' },
    { label: 'body: form-encoded', url: base, body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
    { label: 'body: null', url: base, body: 'null', contentType: 'application/json' },
    { label: 'body: a list', url: base, body: '[{}]', contentType: 'application/json' },
    { label: 'body: a string', url: base, body: '"x"', contentType: 'application/json' },
    { label: 'body: 2000-level list', url: base, body: nest(2000), contentType: 'application/json' },
    { label: 'body: 2000-level object', url: base, body: nestObjects(2000), contentType: 'application/json' },
    {
      label: 'body: unknown keys',
      url: base,
      body: '{"__proto__":{"admin":true},"constructor":{"prototype":1},"zz":1}',
      contentType: 'application/json',
    },
    {
      label: 'body: past the JSON cap',
      url: base,
      body: JSON.stringify({ x: 'x'.repeat(70_000) }),
      contentType: 'application/json',
    },
  );
  if (jsonSchema) {
    const schema = resolve(doc, jsonSchema);
    const valid = sample(doc, schema) as Record<string, unknown>;
    for (const field of Object.keys(schema.properties ?? {})) {
      for (const [label, raw] of FIELD_VALUES) {
        const others = JSON.stringify({ ...valid, [field]: undefined }).slice(1, -1);
        const body = `{${others}${others ? ',' : ''}${JSON.stringify(field)}:${raw}}`;
        attempts.push({ label: `body ${field}: ${label}`, url: base, body, contentType: 'application/json' });
      }
    }
  }
  if (content['multipart/form-data']) {
    const part = (disposition: string, data = 'hello') =>
      `--fz\r\nContent-Disposition: form-data; ${disposition}\r\nContent-Type: text/plain\r\n\r\n${data}\r\n--fz--\r\n`;
    const multipart = 'multipart/form-data; boundary=fz';
    attempts.push(
      {
        label: 'multipart: no boundary',
        url: base,
        body: part('name="file"; filename="a"'),
        contentType: 'multipart/form-data',
      },
      {
        label: 'multipart: broken filename*',
        url: base,
        body: part(`name="file"; filename*=UTF-8''%E0%A4%A`),
        contentType: multipart,
      },
      {
        label: 'multipart: huge filename',
        url: base,
        body: part(`name="file"; filename="${'😀'.repeat(400)}"`),
        contentType: multipart,
      },
      { label: 'multipart: no file part', url: base, body: part('name="other"'), contentType: multipart },
      {
        label: 'multipart: endless headers',
        url: base,
        body: `--fz\r\nX: ${'y'.repeat(20_000)}`,
        contentType: multipart,
      },
      {
        label: 'multipart: no closing boundary',
        url: base,
        body: part('name="file"; filename="a"').slice(0, -10),
        contentType: multipart,
      },
    );
  }
  if (content['application/octet-stream']) {
    attempts.push({ label: 'octet-stream: empty', url: base, body: '', contentType: 'application/octet-stream' });
  }
  return attempts;
}

async function send(operation: Operation, principal: Principal, attempt: Attempt): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': randomIp() };
  if (principal.user) headers.authorization = `Bearer ${principal.user.accessToken}`;
  if (attempt.contentType) headers['content-type'] = attempt.contentType;
  return exports.default.fetch(`${ORIGIN}${attempt.url}`, {
    method: operation.method,
    headers,
    body: attempt.body,
    redirect: 'manual',
  });
}

async function check(
  operation: Operation,
  principal: Principal,
  attempt: Attempt,
): Promise<Failure | 'refused' | null> {
  const res = await send(operation, principal, attempt);
  const contentType = res.headers.get('content-type');
  const text = await res.text();
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {}
  const broken =
    res.status >= 500 ||
    (res.status >= 400 && (contentType !== 'application/problem+json' || typeof code !== 'string' || !code));
  if (broken) {
    return {
      who: principal.who,
      method: operation.method,
      label: attempt.label,
      url: attempt.url.slice(0, 120),
      status: res.status,
      contentType,
      code,
    };
  }
  return res.status === 401 || res.status === 403 ? 'refused' : null;
}

/** Signs the principal in again when an operation (sign out everywhere, …) ended its session. */
async function stillSignedIn(principal: Principal): Promise<void> {
  const user = principal.user;
  if (!user || (await call('/api/users/me', { token: user.accessToken })).status !== 401) return;
  const res = await call('/api/auth/login', { body: { email: user.email, password: PASSWORD, client: 'native' } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { accessToken: string; refreshToken: string };
  principal.user = { ...user, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

async function fixtures(who: 'user' | 'admin', usersId: string, user: TestUser): Promise<Principal> {
  const ids: Record<string, string> = { 'users/{id}': usersId };
  const file = await uploadFileOk(user.accessToken, 'fuzz', 'fuzz.txt');
  ids['files/{id}'] = file.id;
  const share = await call(`/api/files/${file.id}/shares`, { body: {}, token: user.accessToken });
  if (share.ok) ids['shares/{id}'] = ((await share.json()) as { id: string }).id;
  const upload = await call('/api/files/uploads', { body: { name: 'fuzz.bin', size: 100 }, token: user.accessToken });
  if (upload.ok) ids['uploads/{id}'] = ((await upload.json()) as { uploadId: string }).uploadId;
  const room = await call('/api/rooms', { body: { name: 'Fuzz', visibility: 'public' }, token: user.accessToken });
  if (room.ok) ids['rooms/{id}'] = ((await room.json()) as { id: string }).id;
  return { who, user, ids };
}

describe('every route, fed malformed input', () => {
  it('should never answer 5xx, and answer every 4xx as problem+json with a code', async () => {
    const doc = (await (await call('/api/openapi.json')).json()) as OpenApiDocument;
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(20);

    const user = await registerUser();
    const admin = await registerUser();
    await makeAdmin(admin.id);
    // The admin's user ids point at a bystander, so an admin route that works deletes nobody who matters.
    const bystander = await registerUser();
    const principals: Principal[] = [
      { who: 'anonymous', ids: {} },
      await fixtures('user', user.id, user),
      await fixtures('admin', bystander.id, admin),
    ];

    const failures: Failure[] = [];
    // Operations a signed-in user is refused (admin only): the admin gets the whole set there, and
    // elsewhere (the same code a user runs) a sample, which keeps the run to a couple of thousand requests.
    const adminOnly = new Set<Operation>();
    let sent = 0;
    for (const principal of principals) {
      for (const operation of operations) {
        const attempts = attemptsFor(doc, operation, principal);
        const first = await check(
          operation,
          principal,
          attempts[0] ?? { label: 'as is', url: fillPath(operation, principal) },
        );
        sent++;
        if (first && first !== 'refused') failures.push(first);
        if (first === 'refused' && principal.who === 'user') adminOnly.add(operation);
        // Where this principal is refused outright (401/403) the input is never read: a sample is enough.
        const sampled = first === 'refused' || (principal.who === 'admin' && !adminOnly.has(operation));
        const rest = sampled ? attempts.filter((_, i) => i % 8 === 4) : attempts.slice(1);
        for (let i = 0; i < rest.length; i += 8) {
          const results = await Promise.all(
            rest.slice(i, i + 8).map((attempt) => check(operation, principal, attempt)),
          );
          sent += results.length;
          for (const result of results) if (result && result !== 'refused') failures.push(result);
        }
        await stillSignedIn(principal);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(operations.length * 3);
  }, 180_000);
});
