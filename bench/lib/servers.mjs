// Starting and stopping servers under test. Each server runs in its own process
// group (wrangler spawns workerd children), so stopping it kills the whole tree.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupAlive, signalGroup, trackDir, trackGroup } from './cleanup.mjs';

/** Repository root (bench/lib/../..). */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * @typedef {object} Server
 * @property {string} name
 * @property {string} url base URL, no trailing slash
 * @property {number} port
 * @property {number} pid the process group id (the spawned process is its leader)
 * @property {string[]} command what was run, for the result file
 * @property {() => string} tail the last lines of its output
 * @property {(timeoutMs?: number) => Promise<void>} ready resolves once it answers its ready path with 200
 *   again (after wrangler restarted the worker, say); throws if it does not in time
 * @property {() => Promise<void>} stop
 */

/**
 * A TCP port that was free a moment ago on `host`.
 * @param {string} host
 * @returns {Promise<number>}
 */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A fresh directory under the OS temp dir, removed at the end of the run.
 * @param {string} prefix
 */
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hearth-bench-${prefix}-`));
  trackDir(dir);
  return dir;
}

/**
 * Environment for child processes: node_modules/.bin first, so `wrangler` and the
 * `node` it runs on (`#!/usr/bin/env node`) are the repo's (Node 22), whatever
 * node started the runner.
 * @param {Record<string, string>} [extra]
 */
export function childEnv(extra = {}) {
  const bin = path.join(ROOT, 'node_modules', '.bin');
  return {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    // Offline and quiet: no telemetry, no update checks, no interactive UI.
    WRANGLER_SEND_METRICS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}

/** @type {Map<number, number>} pgid → public port of every server still running */
const live = new Map();

/**
 * Process groups of the servers still running, for CPU accounting (lib/cpu.mjs).
 * @returns {import('./cpu.mjs').GroupSpec[]}
 */
export function liveGroups() {
  return [...live].map(([pgid, port]) => ({ pgid, port }));
}

/**
 * Waits until `GET url` answers 200, the process exits, or the time is up.
 * @param {string} url
 * @param {{ timeoutMs: number, exited: () => string | null }} options `exited` returns why the process ended, if it did
 */
async function waitUntilReady(url, { timeoutMs, exited }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const why = exited();
    if (why) throw new Error(`exited before answering (${why})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = /** @type {Error} */ (error).message;
    }
    await sleep(250);
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs / 1000} s (last: ${last})`);
}

/**
 * Starts a server in its own process group and waits until it answers.
 * @param {object} options
 * @param {string} options.name label for logs and errors
 * @param {string} options.command
 * @param {string[]} options.args
 * @param {string} options.url base URL it will listen on
 * @param {string} options.readyPath path that must answer 200 before it counts as up
 * @param {NodeJS.ProcessEnv} [options.env]
 * @param {string} [options.cwd]
 * @param {number} [options.timeoutMs] how long start-up may take (wrangler builds first)
 * @param {boolean} [options.verbose] stream its output, prefixed with the name
 * @returns {Promise<Server>}
 */
export async function startServer({
  name,
  command,
  args,
  url,
  readyPath,
  env = childEnv(),
  cwd = ROOT,
  timeoutMs = 90_000,
  verbose = false,
}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    await new Promise((resolve) => child.once('error', resolve));
    throw new Error(`${name}: could not start ${command}`);
  }
  const pgid = child.pid;
  /** @type {string[]} */
  const lines = [];
  /** @type {string | null} */
  let exitedWith = null;
  child.on('exit', (code, signal) => {
    exitedWith = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (error) => {
    exitedWith = error.message;
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        if (verbose) process.stderr.write(`[${name}] ${line}\n`);
      }
    });
  }

  const stop = async () => {
    if (groupAlive(pgid)) {
      signalGroup(pgid, 'SIGTERM');
      for (let waited = 0; waited < 5000 && groupAlive(pgid); waited += 100) await sleep(100);
      if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      for (let waited = 0; waited < 2000 && groupAlive(pgid); waited += 100) await sleep(100);
    }
    live.delete(pgid);
    forget();
  };
  const forget = trackGroup(pgid, stop);
  live.set(pgid, Number(new URL(url).port));
  const tail = () => lines.slice(-40).join('\n');

  try {
    await waitUntilReady(`${url}${readyPath}`, { timeoutMs, exited: () => exitedWith });
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start: ${/** @type {Error} */ (error).message}\n--- last output ---\n${tail()}`);
  }
  return {
    name,
    url,
    port: Number(new URL(url).port),
    pid: pgid,
    command: [command, ...args].map((part) => (part.startsWith(ROOT + path.sep) ? path.relative(ROOT, part) : part)),
    tail,
    ready: (timeoutMs = 60_000) => waitUntilReady(`${url}${readyPath}`, { timeoutMs, exited: () => exitedWith }),
    stop,
  };
}
