import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestProject } from 'vitest/node';
import { startFakeAiServer } from '../fake-ai/server.js';
import { ADMIN_EMAIL, E2E_OIDC_PROVIDERS } from './accounts.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the app under test, e.g. `http://127.0.0.1:41234`. */
    baseUrl: string;
  }
}

const root = path.resolve(import.meta.dirname, '..', '..');
const STARTUP_TIMEOUT_MS = 90_000;
const LOG_LINES_KEPT = 200;

/** A port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/** Sends `signal` to the whole process group: wrangler dev runs workerd and esbuild as children. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (!child.pid) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone
  }
}

async function stop(child: ChildProcess) {
  if (!signalGroup(child, 'SIGTERM')) return;
  if (child.exitCode === null && child.signalCode === null) {
    await Promise.race([once(child, 'exit'), sleep(10_000)]);
  }
  // Grandchildren may outlive the leader; make sure nothing keeps the port or the temp dir.
  await sleep(200);
  signalGroup(child, 'SIGKILL');
}

async function waitForHealth(baseUrl: string, child: ChildProcess, logs: () => string) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`scripts/dev.mjs exited (${child.exitCode ?? child.signalCode}) before serving:\n${logs()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(
    `GET /api/health did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000}s (last: ${last}):\n${logs()}`,
  );
}

/**
 * Starts the real app the way a developer does (`scripts/dev.mjs`: local D1
 * migrations, then `wrangler dev`) on a free port with fresh local state, and
 * hands its URL to the tests. `E2E_BASE_URL` skips this and tests a running app.
 * `E2E_VERBOSE=1` streams the server's output.
 */
export default async function setup(project: TestProject) {
  if (process.env.E2E_BASE_URL) {
    project.provide('baseUrl', process.env.E2E_BASE_URL.replace(/\/+$/, ''));
    return;
  }

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const persistTo = await mkdtemp(path.join(tmpdir(), 'hearth-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--persist-to', persistTo, '--ip', '127.0.0.1'];
  // A second wrangler dev on this machine (a developer's) would hold the default inspector port.
  args.push('--inspector-port', String(inspectorPort), '--show-interactive-dev-session=false');
  // An admin to bootstrap by email, and a sign-in provider for the web app to offer.
  args.push('--var', `ADMIN_EMAILS:${ADMIN_EMAIL}`, '--var', `OIDC_PROVIDERS:${JSON.stringify(E2E_OIDC_PROVIDERS)}`);
  // The assistant answers from the fake model provider (test/fake-ai), served here on a local port.
  const fakeAi = await startFakeAiServer();
  args.push('--var', `AI_API_URL:${fakeAi.origin}/v1`, '--var', 'AI_MODELS:fake-model,fake-large');

  const child = spawn(process.execPath, [path.join(root, 'scripts', 'dev.mjs'), ...args], {
    cwd: root,
    detached: true, // its own process group, so teardown can stop wrangler and workerd together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    if (process.env.E2E_VERBOSE) process.stderr.write(chunk);
    lines.push(...chunk.toString().split('\n'));
    lines.splice(0, Math.max(0, lines.length - LOG_LINES_KEPT));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const teardown = async () => {
    await stop(child);
    await fakeAi.close();
    await rm(persistTo, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, child, () => lines.join('\n'));
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide('baseUrl', baseUrl);
  return teardown;
}
