// The servers benchmarks run against, all under `wrangler dev` (local, offline).
import path from 'node:path';
import { childEnv, freePort, ROOT, startServer, tempDir } from './servers.mjs';

const HOST = '127.0.0.1';

/**
 * Flags both targets get: quiet, non-interactive, own inspector port.
 * @param {string} persistTo
 */
async function commonDevFlags(persistTo) {
  return [
    '--ip',
    HOST,
    '--persist-to',
    persistTo,
    '--inspector-port',
    String(await freePort(HOST)),
    '--log-level',
    'warn',
    '--show-interactive-dev-session=false',
  ];
}

/**
 * The Hearth worker the way `npm run dev` runs it: scripts/dev.mjs applies the
 * D1 migrations to a fresh state dir, then `wrangler dev` (which runs the web
 * build first) with ENVIRONMENT=development.
 * `persistTo` starts it on a state dir prepared beforehand (e.g. a D1 filled in advance); default a fresh one.
 * `extraArgs` go to `wrangler dev` as well, e.g. `--var AI_API_URL:http://…`.
 * @param {{ verbose?: boolean, readyPath?: string, persistTo?: string, extraArgs?: string[] }} [options]
 * @returns {Promise<import('./servers.mjs').Server>}
 */
export async function startHearth({
  verbose = false,
  readyPath = '/api/meta',
  persistTo = tempDir('app'),
  extraArgs = [],
} = {}) {
  const port = await freePort(HOST);
  return startServer({
    name: 'app',
    command: process.execPath,
    args: [
      path.join(ROOT, 'scripts', 'dev.mjs'),
      '--port',
      String(port),
      ...(await commonDevFlags(persistTo)),
      ...extraArgs,
    ],
    url: `http://${HOST}:${port}`,
    readyPath,
    env: childEnv({ WRANGLER_LOG_PATH: path.join(persistTo, 'wrangler-logs') }),
    verbose,
  });
}

/**
 * A worker under bench/ started with plain `wrangler dev`, on a free port with a fresh state dir.
 * @param {object} options
 * @param {string} options.name label for logs, errors and CPU accounting
 * @param {string} options.dir its directory under bench/ (holding wrangler.toml)
 * @param {string[]} [options.extraArgs] e.g. `--var NAME:value`
 * @param {string} [options.readyPath] must answer 200 before it counts as up
 * @param {boolean} [options.verbose]
 * @returns {Promise<import('./servers.mjs').Server>}
 */
async function startBenchWorker({ name, dir, extraArgs = [], readyPath = '/', verbose = false }) {
  const port = await freePort(HOST);
  const persistTo = tempDir(name);
  return startServer({
    name,
    command: path.join(ROOT, 'node_modules', '.bin', 'wrangler'),
    args: [
      'dev',
      '--config',
      path.join(ROOT, 'bench', dir, 'wrangler.toml'),
      '--port',
      String(port),
      ...(await commonDevFlags(persistTo)),
      ...extraArgs,
    ],
    url: `http://${HOST}:${port}`,
    readyPath,
    env: childEnv({ WRANGLER_LOG_PATH: path.join(persistTo, 'wrangler-logs') }),
    verbose,
  });
}

/**
 * bench/bare-worker: no framework; answers every request with `body` and
 * `contentType`. The baseline for "what do wrangler dev and workerd cost alone".
 * @param {{ body: string, contentType: string, verbose?: boolean }} options
 * @returns {Promise<import('./servers.mjs').Server>}
 */
export function startBareWorker({ body, contentType, verbose = false }) {
  return startBenchWorker({
    name: 'bare',
    dir: 'bare-worker',
    // wrangler splits --var at the first colon only, so JSON passes through intact.
    extraArgs: ['--var', `BODY:${body}`, '--var', `CONTENT_TYPE:${contentType}`],
    verbose,
  });
}

/**
 * bench/bare-r2: `PUT /r2/<key>` streams the body into a local R2 bucket (in one put, or
 * `?part=<bytes>` as multipart parts), `GET /r2/<key>` streams it back, `PUT /sink` reads
 * a body and keeps nothing. The baselines for uploads and downloads.
 * @param {{ verbose?: boolean }} [options]
 */
export function startBareR2({ verbose = false } = {}) {
  return startBenchWorker({ name: 'bare-r2', dir: 'bare-r2', verbose });
}

/**
 * bench/bare-rooms: a hibernation Durable Object that relays every frame to every socket
 * (`GET /ws?room=<name>`). The baseline for chat rooms.
 * @param {{ verbose?: boolean }} [options]
 */
export function startBareRooms({ verbose = false } = {}) {
  return startBenchWorker({ name: 'bare-rooms', dir: 'bare-rooms', verbose });
}

/**
 * Starts several servers at once; if any fails, stops the others and throws.
 * @template {Record<string, () => Promise<import('./servers.mjs').Server>>} T
 * @param {T} starters
 * @returns {Promise<{ [K in keyof T]: import('./servers.mjs').Server }>}
 */
export async function startAll(starters) {
  const names = Object.keys(starters);
  const settled = await Promise.allSettled(names.map((name) => starters[name]()));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) {
    await Promise.allSettled(settled.map((result) => (result.status === 'fulfilled' ? result.value.stop() : null)));
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, failures.map((e) => e.message).join('\n'));
  }
  return /** @type {any} */ (
    Object.fromEntries(names.map((name, i) => [name, /** @type {PromiseFulfilledResult<any>} */ (settled[i]).value]))
  );
}
