// Teardown that also runs on errors, Ctrl-C and SIGTERM. Servers register the
// process groups they start; `cleanup()` stops them and removes temp dirs.
import { rmSync } from 'node:fs';

/** @type {Set<number>} process group ids still alive */
const groups = new Set();
/** @type {Set<string>} temp dirs to remove */
const dirs = new Set();
/** @type {Set<() => Promise<void>>} graceful stoppers, run by cleanup() */
const stoppers = new Set();

/**
 * Remembers a process group so it is killed whatever happens to the runner.
 * @param {number} pgid
 * @param {() => Promise<void>} stop graceful stop (SIGTERM, wait, SIGKILL)
 * @returns {() => void} forget it (after a normal stop)
 */
export function trackGroup(pgid, stop) {
  groups.add(pgid);
  stoppers.add(stop);
  return () => {
    groups.delete(pgid);
    stoppers.delete(stop);
  };
}

/** @param {string} dir removed at the end of the run */
export function trackDir(dir) {
  dirs.add(dir);
}

/** True while any process in the group exists. @param {number} pgid */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/**
 * Sends a signal to a whole process group, ignoring groups already gone.
 * @param {number} pgid
 * @param {NodeJS.Signals | 0} signal
 */
export function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function removeDirs() {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: it is under the OS temp dir.
    }
    dirs.delete(dir);
  }
}

/** Stops every tracked server (gracefully, in parallel) and removes temp dirs. */
export async function cleanup() {
  await Promise.allSettled([...stoppers].map((stop) => stop()));
  removeDirs();
}

/** Last resort, synchronous: SIGKILL whatever is left. Safe to call twice. */
function killAllNow() {
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  groups.clear();
  removeDirs();
}

let installed = false;

/**
 * Ctrl-C or SIGTERM: stop the servers, then exit 130/143. A second signal
 * kills everything at once. On any exit, leftovers get SIGKILL.
 */
export function installSignalHandlers() {
  if (installed) return;
  installed = true;
  let interrupted = false;
  for (const [signal, code] of /** @type {const} */ ([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ])) {
    process.on(signal, () => {
      if (interrupted) {
        killAllNow();
        process.exit(code);
      }
      interrupted = true;
      console.error(`\n${signal}: stopping servers…`);
      const force = setTimeout(() => {
        killAllNow();
        process.exit(code);
      }, 8000);
      cleanup().finally(() => {
        clearTimeout(force);
        process.exit(code);
      });
    });
  }
  process.on('exit', killAllNow);
}
