// Start-up of a built worker: a fresh workerd (through Miniflare, in this process) loading
// the modules `wrangler deploy --dry-run` wrote, then its first and second request.
//
// workerd compiles and evaluates a worker's modules when it loads them, before it listens,
// so the time until Miniflare is ready holds the module evaluation, on top of starting the
// runtime (the same for every worker: compare with the bare worker's). The first request
// then pays for whatever the worker builds lazily (routes, schemas, the first JIT), the
// second is warm. No wrangler dev, proxy or inspector in between.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from 'miniflare';
import { unstable_readConfig } from 'wrangler';

/** Module types by extension, as wrangler's default module rules name them. */
const MODULE_TYPES = /** @type {const} */ ([
  [/\.m?js$/, 'ESModule'],
  [/\.cjs$/, 'CommonJS'],
  [/\.wasm$/, 'CompiledWasm'],
  [/\.(txt|html|sql)$/, 'Text'],
  [/\.bin$/, 'Data'],
]);

/**
 * Miniflare options for a bundle built from `bundle.config`: its compatibility settings and
 * local stand-ins for its bindings (in memory), with `vars` overriding the config's.
 * @param {import('./bundle.mjs').Bundle} bundle
 * @param {Record<string, string>} vars
 */
function workerOptions(bundle, vars) {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const config = unstable_readConfig({ config: path.join(root, bundle.config) });
  const modules = bundle.modules.map(({ name }) => {
    const type = MODULE_TYPES.find(([pattern]) => pattern.test(name))?.[1];
    if (!type) throw new Error(`${bundle.config}: no module type for ${name}`);
    return { type, path: path.join(bundle.dir, name) };
  });
  // The main module first: it is the entry point.
  modules.sort((a, b) => Number(path.basename(b.path) === bundle.main) - Number(path.basename(a.path) === bundle.main));
  return {
    name: config.name ?? 'worker',
    modulesRoot: bundle.dir,
    modules,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    bindings: { ...config.vars, ...vars },
    d1Databases: config.d1_databases.map((db) => db.binding),
    kvNamespaces: config.kv_namespaces.map((kv) => kv.binding),
    r2Buckets: config.r2_buckets.map((bucket) => bucket.binding),
    durableObjects: Object.fromEntries(config.durable_objects.bindings.map((d) => [d.name, d.class_name])),
    queueProducers: Object.fromEntries((config.queues.producers ?? []).map((q) => [q.binding, q.queue])),
  };
}

/**
 * @typedef {object} StartupSample
 * @property {number} readyMs from `new Miniflare()` until it is ready: runtime start plus module evaluation
 * @property {number} firstMs the first request, sent and read
 * @property {number} secondMs the same request again
 * @property {number | null} readyCpuMs CPU the runtime process (workerd) used until ready, from /proc (Linux only)
 * @property {number | null} firstCpuMs CPU it used for the first request
 * @property {number} status of the first request
 * @property {string} body of the first request
 */

/**
 * Starts a fresh workerd with `bundle`, times it and two requests to `requestPath`, stops it.
 * @param {import('./bundle.mjs').Bundle} bundle
 * @param {{ vars?: Record<string, string>, requestPath: string }} options
 * @returns {Promise<StartupSample>}
 */
export async function measureStartup(bundle, { vars = {}, requestPath }) {
  const options = workerOptions(bundle, vars);
  const before = new Set(workerdChildren());
  const started = performance.now();
  const mf = new Miniflare(
    // The worker's console output (the app's request log) is not for this terminal.
    convertV4MiniflareOptions({ workers: [options], log: new NoOpLog(), handleStructuredLogs: () => {} }),
  );
  try {
    await mf.ready;
    const readyMs = performance.now() - started;
    const runtime = workerdChildren().filter((pid) => !before.has(pid));
    const cpuAtReady = cpuSeconds(runtime);
    const url = `http://localhost${requestPath}`;
    const firstStarted = performance.now();
    const first = await mf.dispatchFetch(url);
    const body = await first.text();
    const firstMs = performance.now() - firstStarted;
    const cpuAfterFirst = cpuSeconds(runtime);
    const secondStarted = performance.now();
    const second = await mf.dispatchFetch(url);
    await second.arrayBuffer();
    const secondMs = performance.now() - secondStarted;
    return {
      readyMs,
      firstMs,
      secondMs,
      readyCpuMs: cpuAtReady === null ? null : 1000 * cpuAtReady,
      firstCpuMs: cpuAtReady === null || cpuAfterFirst === null ? null : 1000 * (cpuAfterFirst - cpuAtReady),
      status: first.status,
      body,
    };
  } finally {
    await mf.dispose();
  }
}

/** `/proc/<pid>/stat` fields after the command name, or null. @param {number | string} pid */
function statFields(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = line.lastIndexOf(')');
    return { comm: line.slice(line.indexOf('(') + 1, close), fields: line.slice(close + 2).split(' ') };
  } catch {
    return null;
  }
}

/** The workerd processes this process started (Miniflare spawns the runtime as a child). */
function workerdChildren() {
  if (process.platform !== 'linux') return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const stat = statFields(entry);
      return stat?.comm === 'workerd' && Number(stat.fields[1]) === process.pid;
    })
    .map(Number);
}

let tickSeconds = 0;
/**
 * User + system CPU seconds of `pids` so far (one clock tick of resolution, usually 10 ms), or null.
 * @param {number[]} pids
 */
function cpuSeconds(pids) {
  if (pids.length === 0) return null;
  if (!tickSeconds) {
    try {
      tickSeconds = 1 / (Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100);
    } catch {
      tickSeconds = 0.01;
    }
  }
  let total = 0;
  for (const pid of pids) {
    const stat = statFields(pid);
    if (!stat) return null;
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
    total += (Number(stat.fields[11]) + Number(stat.fields[12])) * tickSeconds;
  }
  return total;
}
