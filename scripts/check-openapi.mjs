// Checks /api/openapi.json as a document, the way other teams' tools read it (`npm run check`):
//   1. builds the worker for Node and asks it for GET /api/openapi.json, through the real route;
//   2. validates the answer against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator);
//   3. lints it with Redocly's `recommended` rules: an error fails, and so does a warning that is
//      not in KNOWN_WARNINGS below, each of which says why it stands;
//   4. generates types from it with openapi-typescript, as README shows, and type-checks
//      test/openapi-client/client.ts (calls through openapi-fetch) and every route against them.
// Steps 2 to 4 need Node: the validator reads its schemas from disk and the generator needs
// TypeScript 5's compiler API, so they cannot run in workerd with the worker tests
// (test/worker/openapi.test.ts asserts the per-operation guarantees there).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { build } from 'esbuild';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const clientDir = path.join(root, 'test/openapi-client');
// Inside node_modules: ignored by git, and `openapi-fetch` resolves from here.
const work = path.join(root, 'node_modules/.cache/hearth-openapi');
const started = Date.now();
const failures = [];

/**
 * Warnings of the recommended rules that the document has on purpose, by rule and JSON pointer.
 * A new warning fails the check, and so does an entry here that Redocly no longer reports.
 */
const KNOWN_WARNINGS = {
  'operation-4xx-response': {
    // These take no input at all (no parameters, no body, GET), so no 4xx is possible; a 500
    // problem is declared. Declaring a 4xx they never send would mislead client authors.
    '#/paths/~1api~1health/get/responses': 'no input',
    '#/paths/~1api~1meta/get/responses': 'no input',
    '#/paths/~1api~1auth~1session/get/responses': 'no input',
    '#/paths/~1.well-known~1jwks.json/get/responses': 'no input',
  },
  'operation-2xx-response': {
    // Browser navigations to and back from the OpenID provider: a 302 is their success.
    '#/paths/~1api~1auth~1oauth~1{provider}/get/responses': 'redirect',
    '#/paths/~1api~1auth~1oauth~1{provider}~1callback/get/responses': 'redirect',
  },
  'no-ambiguous-paths': {
    // `/api/files/uploads/{id}` and `/api/files/{id}/…`: a file id is 26 Crockford base32
    // characters (no "u"), so it is never "uploads". Owner: src/features/files.
    '#/paths/~1api~1files~1{id}~1shares': 'files vs uploads',
    '#/paths/~1api~1files~1{id}~1download': 'files vs uploads',
    '#/paths/~1api~1files~1{id}~1access-logs': 'files vs uploads',
    // `/api/coworking/sessions/code/{shareCode}` and `/api/coworking/sessions/{id}/…`: a session id
    // is 26 Crockford base32 characters, so it is never "code". Owner: src/features/coworking.
    '#/paths/~1api~1coworking~1sessions~1{id}~1join': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1leave': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1invites': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1calendar.ics': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1ticket': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1start': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1pause': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1resume': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1end': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1celebrate': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1extend': 'code vs id',
    '#/paths/~1api~1coworking~1sessions~1{id}~1host': 'code vs id',
  },
  // The project has chosen no licence yet (package.json has no "license"); the lead decides.
  'info-license': { '#/info': 'no licence chosen' },
  // Shared schemas may be registered before a route uses them; Redocly itself only warns.
  'no-unused-components': '*',
};

function time(label, since) {
  console.log(`  ${label} (${((Date.now() - since) / 1000).toFixed(1)} s)`);
}

/** The worker bundled for Node, with the Workers runtime module stubbed: only routes are needed. */
async function servedDocument() {
  const since = Date.now();
  mkdirSync(work, { recursive: true });
  const outfile = path.join(work, 'worker.mjs');
  await build({
    stdin: {
      contents: "export { createApp } from './src/app';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'error',
    // CommonJS dependencies (the AI SDK's @vercel/oidc) call require('path'): give the ES module one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // Wrangler's default module rules: *.txt and *.html import as text, *.bin as bytes.
    loader: { '.txt': 'text', '.html': 'text', '.bin': 'binary' },
    plugins: [
      {
        name: 'workers-runtime',
        setup(b) {
          b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: 'workers-runtime' }));
          b.onLoad({ filter: /.*/, namespace: 'workers-runtime' }, () => ({
            contents: 'export class DurableObject {}; export class WorkerEntrypoint {}; export const env = {};',
            loader: 'js',
          }));
        },
      },
    ],
  });
  const { createApp } = await import(`${outfile}?${Date.now()}`);
  const log = console.log;
  console.log = () => {}; // the request log line
  try {
    // As a deployment serves it: `servers` names APP_URL (localhost would be linted as a placeholder).
    // A D1 binding stands in as an empty object: building the document runs no query.
    const env = { ENVIRONMENT: 'development', APP_URL: 'https://hearth.invalid', DB: {} };
    const res = await createApp().request('/api/openapi.json', {}, env);
    if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    writeFileSync(path.join(work, 'openapi.json'), text);
    return text;
  } finally {
    console.log = log;
    time('document built and served', since);
  }
}

async function validate(text) {
  const since = Date.now();
  const result = await new Validator().validate(JSON.parse(text));
  if (!result.valid) {
    failures.push(`not a valid OpenAPI 3.1 document:\n${JSON.stringify(result.errors, null, 2)}`);
  }
  time('valid OpenAPI 3.1', since);
}

async function lint(text) {
  const since = Date.now();
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: text, absoluteRef: path.join(work, 'openapi.json'), config });
  const unseen = new Set(
    Object.entries(KNOWN_WARNINGS).flatMap(([rule, at]) =>
      at === '*' ? [] : Object.keys(at).map((pointer) => `${rule} ${pointer}`),
    ),
  );
  for (const problem of problems) {
    const pointer = problem.location[0]?.pointer ?? '';
    const known = KNOWN_WARNINGS[problem.ruleId];
    unseen.delete(`${problem.ruleId} ${pointer}`);
    if (problem.severity === 'warn' && (known === '*' || known?.[pointer])) continue;
    failures.push(`redocly ${problem.severity} ${problem.ruleId} at ${pointer}: ${problem.message}`);
  }
  for (const entry of unseen)
    failures.push(`KNOWN_WARNINGS lists ${entry}, which Redocly no longer reports: remove it`);
  time(`Redocly recommended lint (${problems.length} reported)`, since);
}

/**
 * Per operation, typed against the generated client: it accepts the route with its method, and
 * (unless the success is a 204 or a redirect) what it returns is typed, not `unknown`.
 */
function everyRouteFile(text) {
  const doc = JSON.parse(text);
  const routes = [];
  const data = [];
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
      const op = item[method];
      if (!op) continue;
      routes.push(`  [${JSON.stringify(route)} satisfies ClientPathsWithMethod<Api, '${method}'>, '${method}'],`);
      const typedSuccess = Object.entries(op.responses).some(([status, r]) => /^2/.test(status) && r.content);
      if (typedSuccess) {
        const type = `MethodResponse<Api, '${method}', ${JSON.stringify(route)}>`;
        data.push(`  ${JSON.stringify(`${method.toUpperCase()} ${route}`)}: true satisfies Typed<${type}>,`);
      }
    }
  }
  return [
    "import type { Client, ClientPathsWithMethod, MethodResponse } from 'openapi-fetch';",
    "import type { paths } from './hearth-api';",
    '',
    'type Api = Client<paths>;',
    'type Typed<T> = unknown extends T ? false : [T] extends [never] ? false : true;',
    '',
    'export const routes = [',
    ...routes,
    '];',
    '',
    'export const typedData = {',
    ...data,
    '};',
    '',
  ].join('\n');
}

async function generateAndTypeCheck(text) {
  let since = Date.now();
  const generator = path.join(clientDir, 'node_modules/openapi-typescript/bin/cli.js');
  if (!existsSync(generator))
    throw new Error(`${generator} is missing: run npm install (it installs test/openapi-client)`);
  try {
    const args = [generator, path.join(work, 'openapi.json'), '-o', path.join(work, 'hearth-api.ts')];
    await run(process.execPath, args, { cwd: clientDir });
  } catch (error) {
    failures.push(`openapi-typescript could not generate a client:\n${error.stdout}${error.stderr}`);
    return;
  }
  time('openapi-typescript generated hearth-api.ts', since);

  since = Date.now();
  copyFileSync(path.join(clientDir, 'client.ts'), path.join(work, 'client.ts'));
  writeFileSync(path.join(work, 'every-route.ts'), everyRouteFile(text));
  writeFileSync(
    path.join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        // The generated file is .ts, not .d.ts, so it is checked too.
        skipLibCheck: true,
        types: [],
      },
      files: ['hearth-api.ts', 'client.ts', 'every-route.ts'],
    }),
  );
  // The project's own compiler (TypeScript 7, native and quick); openapi-typescript's output is
  // plain interfaces, which TypeScript 5 reads the same way.
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  try {
    await run(process.execPath, [tsc, '-p', path.join(work, 'tsconfig.json')], { cwd: work });
  } catch (error) {
    failures.push(`the generated client does not type-check:\n${error.stdout}${error.stderr}`);
  }
  time('client.ts and every route type-check against it (tsc)', since);
}

console.log('OpenAPI contract:');
const text = await servedDocument();
// The generator runs in its own process meanwhile.
await Promise.all([generateAndTypeCheck(text), validate(text).then(() => lint(text))]);
if (failures.length > 0) {
  console.error(`\n${failures.length} problem(s) in /api/openapi.json:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`OpenAPI contract holds (${((Date.now() - started) / 1000).toFixed(1)} s).`);
