// Large uploads and downloads through the app against bare R2 puts and gets.
// (a) Throughput: a 50 MB body uploaded with POST /api/files?name= (raw body with
//     Content-Length) and downloaded through the signed /dl/<id> URL, against
//     PUT and GET /r2/<key> on bench/bare-r2 (one put, and 10 MiB multipart parts as
//     the app stores it), a few repetitions, order alternating.
// (b) Memory: RSS of each server's processes, sampled from /proc every 20 ms during
//     a 90 MB upload (plus the kernel's own peak, VmHWM), to show whether the body is
//     streamed; the bare references include a sink that stores nothing.
import { createHash, randomBytes } from 'node:crypto';
import { apiOk, registerUsers } from '../lib/accounts.mjs';
import { cpuSnapshot, cpuUsage } from '../lib/cpu.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { settle } from '../lib/load.mjs';
import { sampleMemory } from '../lib/memory.mjs';
import { format, ratio, table } from '../lib/report.mjs';
import { retryAfterRestart } from '../lib/scenario.mjs';
import { liveGroups } from '../lib/servers.mjs';
import { startBareR2, startHearth } from '../lib/targets.mjs';
import { download, upload } from '../lib/transfer.mjs';

const DESCRIPTION =
  'upload/download throughput of a 50 MB file (app vs direct R2 put/get) and server memory during a 90 MB upload';
const MB = 1_000_000;
const THROUGHPUT_BYTES = 50 * MB;
const MEMORY_BYTES = 90 * MB;
const WARMUP_BYTES = 1 * MB;
const SAMPLE_MS = 20;

/**
 * @typedef {object} TransferRun
 * @property {string} target
 * @property {'upload' | 'download'} op
 * @property {string} label
 * @property {import('../lib/transfer.mjs').Transfer} transfer
 * @property {import('../lib/cpu.mjs').CpuUsage} cpu
 * @property {boolean} restarted server processes came or went (wrangler reloaded the worker)
 */

/** The app's multipart part size (src/features/files/object-writer.ts PART_SIZE). */
const APP_PART_BYTES = 10 * 1024 * 1024;

/**
 * @typedef {object} FileTarget
 * @property {import('../lib/servers.mjs').Server} server
 * @property {string} does one line: what it does with the body
 * @property {(body: Buffer, name: string) => Promise<{ transfer: import('../lib/transfer.mjs').Transfer, handle: string }>} put
 * @property {((handle: string) => Promise<{ transfer: import('../lib/transfer.mjs').Transfer, linkMs: number | null }>) | null} get
 * @property {(handle: string) => Promise<void>} remove
 */

/**
 * The targets behind one interface: put a body, get it back, forget it.
 * @param {import('../lib/servers.mjs').Server} app
 * @param {string} token
 * @param {import('../lib/servers.mjs').Server} bare
 * @param {string} sha256 of every body of THROUGHPUT_BYTES (they are all the same buffer)
 * @returns {Record<'app' | 'r2 put' | 'r2 multipart' | 'sink', FileTarget>}
 */
function targetsOf(app, token, bare, sha256) {
  const auth = { authorization: `Bearer ${token}` };
  /** @param {string} query @param {string} label */
  const bareTarget = (query, label) => ({
    server: bare,
    does: label,
    /** @param {Buffer} body @param {string} name */
    async put(body, name) {
      const transfer = await upload({
        url: `${bare.url}/r2/${encodeURIComponent(name)}${query}`,
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body,
      });
      if (transfer.status !== 201)
        throw new Error(`bare put answered ${transfer.status}: ${transfer.text?.slice(0, 300)}`);
      const stored = JSON.parse(transfer.text ?? '{}');
      if (stored.size !== body.length) throw new Error(`bare stored ${stored.size} bytes of ${body.length}`);
      return { transfer, handle: name };
    },
    /** @param {string} key */
    async get(key) {
      const transfer = await download({ url: `${bare.url}/r2/${encodeURIComponent(key)}` });
      return { transfer, linkMs: null };
    },
    async remove() {
      // Nothing: the bucket lives in the run's temp dir.
    },
  });
  return {
    app: {
      server: app,
      does: 'POST /api/files?name= (auth, quota, SHA-256, 10 MiB multipart parts, D1 row); GET /dl/<id> (signed URL, D1, access log)',
      async put(body, name) {
        const transfer = await upload({
          url: `${app.url}/api/files?name=${encodeURIComponent(name)}`,
          headers: { ...auth, 'content-type': 'application/octet-stream' },
          body,
        });
        if (transfer.status !== 201)
          throw new Error(`app upload answered ${transfer.status}: ${transfer.text?.slice(0, 300)}`);
        const file = JSON.parse(transfer.text ?? '{}');
        if (file.size !== body.length) throw new Error(`app stored ${file.size} bytes of ${body.length}`);
        if (body.length === THROUGHPUT_BYTES && file.sha256 !== sha256) {
          throw new Error(`app stored a body with SHA-256 ${file.sha256}, expected ${sha256}`);
        }
        return { transfer, handle: /** @type {string} */ (file.id) };
      },
      async get(id) {
        const link = await apiOk(app, 'GET', `/api/files/${id}/download`, 200, { token });
        // The link names APP_URL (http://localhost:<port>); the server listens on 127.0.0.1.
        const url = new URL(link.body.url);
        const transfer = await download({ url: `${app.url}${url.pathname}${url.search}` });
        return { transfer, linkMs: link.ms };
      },
      async remove(id) {
        await apiOk(app, 'DELETE', `/api/files/${id}`, 204, { token });
      },
    },
    'r2 put': bareTarget(
      '',
      'PUT /r2/<key>: env.BUCKET.put(key, request.body); GET /r2/<key>: env.BUCKET.get(key).body',
    ),
    'r2 multipart': bareTarget(
      `?part=${APP_PART_BYTES}`,
      'PUT /r2/<key>?part=10485760: the same body as R2 multipart parts of 10 MiB, like the app; GET as above',
    ),
    sink: {
      server: bare,
      does: 'PUT /sink: reads the body to the end, stores nothing (what the runtime costs without R2)',
      async put(body) {
        const transfer = await upload({ url: `${bare.url}/sink`, method: 'PUT', body });
        if (transfer.status !== 200)
          throw new Error(`sink answered ${transfer.status}: ${transfer.text?.slice(0, 300)}`);
        const read = JSON.parse(transfer.text ?? '{}');
        if (read.size !== body.length) throw new Error(`sink read ${read.size} bytes of ${body.length}`);
        return { transfer, handle: '' };
      },
      get: null,
      async remove() {},
    },
  };
}

/**
 * Times one transfer and the server CPU it took.
 * @template {{ transfer: import('../lib/transfer.mjs').Transfer }} T
 * @param {{ pid: number }} server
 * @param {() => Promise<T>} work
 */
async function withCpu(server, work) {
  const groups = liveGroups();
  const before = cpuSnapshot(groups);
  const result = await work();
  const cpu = cpuUsage(before, cpuSnapshot(groups), server.pid);
  return { ...result, cpu, restarted: Boolean(cpu.server && (cpu.server.started || cpu.server.exited)) };
}

/** @param {number[]} values */
function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const mb = (/** @type {number | null | undefined} */ bytes) =>
  bytes === null || bytes === undefined ? '–' : (bytes / MB).toFixed(1);
const rate = (/** @type {number | null | undefined} */ value) =>
  value === null || value === undefined ? '–' : value.toFixed(1);

/** Transfer targets, in the order of the first round. */
const THROUGHPUT_TARGETS = /** @type {const} */ (['app', 'r2 put', 'r2 multipart']);
/** Upload targets of the memory part. */
const MEMORY_TARGETS = /** @type {const} */ (['app', 'r2 put', 'r2 multipart', 'sink']);
const ROLE_ORDER = ['runtime', 'proxy', 'wrangler', 'other'];

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'files',
  description: DESCRIPTION,
  // Transfers run at 30–500 MB/s under wrangler dev: about a second each, plus pauses.
  estimateSeconds: (settings) => 40 + (settings.rounds + 1) * THROUGHPUT_TARGETS.length * 4,

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    try {
      log('starting the app (scripts/dev.mjs: migrations, web build, wrangler dev)…');
      const app = await startHearth({ verbose });
      started.push(app);
      const { accounts, limited } = await registerUsers(app, { count: 1, prefix: 'files', ipSalt: 21 });
      if (!accounts[0]) throw new Error(`could not register a user: ${limited}`);
      const token = accounts[0].accessToken;
      const body = randomBytes(THROUGHPUT_BYTES);
      const sha256 = createHash('sha256').update(body).digest('hex');
      const memoryBody = randomBytes(MEMORY_BYTES);

      // ---- (b) memory during a 90 MB upload, each on a server that has seen no big body yet ----------
      // Allocators keep freed memory, so a second big body on the same server would grow RSS less:
      // every bare reference gets a fresh bare-r2 (the app is fresh too: (b) runs before (a)).
      /** @type {Record<string, { report: import('../lib/memory.mjs').MemoryReport | null, transfer: import('../lib/transfer.mjs').Transfer, server: string }>} */
      const memory = {};
      for (const name of MEMORY_TARGETS) {
        let server = app;
        if (name !== 'app') {
          log(`starting a fresh bare R2 worker for "${name}"…`);
          server = await startBareR2({ verbose });
          started.push(server);
        }
        const target = targetsOf(app, token, server, sha256)[name];
        const { value, failedTries } = await retryAfterRestart(
          server,
          async () => {
            // Compile the paths once with a small body, so the sample measures the transfer, not the JIT.
            const small = await target.put(randomBytes(WARMUP_BYTES), `warmup-${name.replace(' ', '-')}.bin`);
            if (target.get) await target.get(small.handle);
            await target.remove(small.handle);
            await settle();
            log(`memory: ${MEMORY_BYTES / MB} MB upload to ${name}, sampling RSS every ${SAMPLE_MS} ms…`);
            const sampler = sampleMemory({ pgid: server.pid, port: server.port }, { intervalMs: SAMPLE_MS });
            try {
              return {
                put: await target.put(memoryBody, `memory-${name.replace(' ', '-')}.bin`),
                report: sampler.stop(),
              };
            } catch (error) {
              sampler.stop();
              throw error;
            }
          },
          { label: `memory ${name}`, log },
        );
        const { put, report } = value;
        if (report && failedTries > 0) report.retriedAfterRestart = failedTries;
        memory[name] = { report, transfer: put.transfer, server: server.url };
        await target.remove(put.handle);
        if (server !== app) await server.stop();
      }

      log('starting the bare R2 worker for the throughput runs…');
      const bare = await startBareR2({ verbose });
      started.push(bare);
      const targets = targetsOf(app, token, bare, sha256);

      // ---- (a) throughput: warm-up, then rounds with the order alternating ---------------------------
      /** @type {TransferRun[]} */
      const runs = [];
      /** @type {TransferRun[]} */
      const warmup = [];
      for (let round = 0; round <= settings.rounds; round++) {
        const order = round % 2 === 1 ? THROUGHPUT_TARGETS : [...THROUGHPUT_TARGETS].reverse();
        for (const name of order) {
          await settle();
          const target = targets[name];
          const get = /** @type {NonNullable<FileTarget['get']>} */ (target.get);
          const label = round === 0 ? 'warm-up' : `round ${round}`;
          // One round of a target: upload, download, delete. A worker reload mid-way spoils it: redo it.
          const { value, failedTries } = await retryAfterRestart(
            target.server,
            async () => {
              const put = await withCpu(target.server, () =>
                target.put(body, `throughput-${name.replace(' ', '-')}-${round}.bin`),
              );
              const got = await withCpu(target.server, () => get(put.handle));
              await target.remove(put.handle);
              if (got.transfer.status !== 200 || got.transfer.bytes !== THROUGHPUT_BYTES) {
                throw new Error(`${name} download answered ${got.transfer.status} with ${got.transfer.bytes} bytes`);
              }
              return { put, got };
            },
            { label: `${label} ${name}`, log },
          );
          const { put, got } = value;
          if (failedTries > 0) {
            put.restarted = true;
            got.restarted = true;
          }
          const into = round === 0 ? warmup : runs;
          into.push({
            target: name,
            op: 'upload',
            label,
            transfer: put.transfer,
            cpu: put.cpu,
            restarted: put.restarted,
          });
          into.push({
            target: name,
            op: 'download',
            label,
            transfer: got.transfer,
            cpu: got.cpu,
            restarted: got.restarted,
          });
          log(
            `${label} ${name}: upload ${put.transfer.mbPerSecond.toFixed(1)} MB/s, ` +
              `download ${got.transfer.mbPerSecond.toFixed(1)} MB/s`,
          );
        }
      }

      // ---- summary ---------------------------------------------------------------------------------------
      const clean = runs.filter((run) => !run.restarted);
      const pick = (/** @type {string} */ target, /** @type {string} */ op) => {
        const chosen = clean.filter((run) => run.target === target && run.op === op);
        const used = chosen.length > 0 ? chosen : runs.filter((run) => run.target === target && run.op === op);
        const rates = used.map((run) => run.transfer.mbPerSecond);
        const cpuPerMb = (/** @type {'total' | 'runtime'} */ role) =>
          median(
            used.flatMap((run) => (run.cpu.server ? [(1000 * run.cpu.server[role]) / (run.transfer.bytes / MB)] : [])),
          );
        return {
          runs: used.length,
          medianMbPerSecond: median(rates),
          bestMbPerSecond: rates.length ? Math.max(...rates) : null,
          medianServerCpuMsPerMb: cpuPerMb('total'),
          medianRuntimeCpuMsPerMb: cpuPerMb('runtime'),
        };
      };
      /** @type {Record<string, Record<string, ReturnType<typeof pick>>>} */
      const summary = {};
      for (const op of ['upload', 'download']) {
        summary[op] = Object.fromEntries(THROUGHPUT_TARGETS.map((name) => [name, pick(name, op)]));
      }
      const versus = (/** @type {string} */ baseline) =>
        Object.fromEntries(
          ['upload', 'download'].map((op) => [
            op,
            {
              medianRatio: ratio(summary[op].app.medianMbPerSecond, summary[op][baseline].medianMbPerSecond),
              bestRatio: ratio(summary[op].app.bestMbPerSecond, summary[op][baseline].bestMbPerSecond),
              cpuPerMbRatio: ratio(
                summary[op].app.medianServerCpuMsPerMb,
                summary[op][baseline].medianServerCpuMsPerMb,
              ),
            },
          ]),
        );
      const comparison = { 'r2 put': versus('r2 put'), 'r2 multipart': versus('r2 multipart') };

      // ---- report ------------------------------------------------------------------------------------------
      const percentOf = (/** @type {number | null} */ cpuSeconds, /** @type {number} */ seconds) =>
        cpuSeconds === null ? null : (100 * cpuSeconds) / seconds;
      const throughputRows = [...runs, null, ...warmup].map((run) =>
        run === null
          ? null
          : [
              run.target,
              run.op,
              run.restarted ? `${run.label} *` : run.label,
              rate(run.transfer.mbPerSecond),
              format.ms(run.transfer.ms),
              run.cpu.server ? format.ms((1000 * run.cpu.server.total) / (run.transfer.bytes / MB)) : '–',
              run.cpu.server ? format.ms((1000 * run.cpu.server.runtime) / (run.transfer.bytes / MB)) : '–',
              format.percent(percentOf(run.cpu.server?.total ?? null, run.cpu.seconds)),
              format.percent(percentOf(run.cpu.loadgen, run.cpu.seconds)),
              format.percent(percentOf(run.cpu.background, run.cpu.seconds)),
            ],
      );
      const summaryRows = ['upload', 'download'].flatMap((op) =>
        THROUGHPUT_TARGETS.map((name) => {
          const s = summary[op][name];
          return [
            name,
            op,
            rate(s.medianMbPerSecond),
            rate(s.bestMbPerSecond),
            rate(s.medianServerCpuMsPerMb),
            rate(s.medianRuntimeCpuMsPerMb),
            name === 'app' ? '' : format.ratio(ratio(summary[op].app.medianMbPerSecond, s.medianMbPerSecond)),
            name === 'app' ? '' : format.ratio(ratio(summary[op].app.medianServerCpuMsPerMb, s.medianServerCpuMsPerMb)),
          ];
        }),
      );
      const memoryRows = MEMORY_TARGETS.flatMap((name) => {
        const { report, transfer } = memory[name];
        if (!report) return [[name, 'all', '–', '–', '–', '–', '–'], null];
        const roles = Object.entries(report.byRole)
          .sort(([a], [b]) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b))
          .map(([role, m]) => [name, role, mb(m.before), mb(m.peak), mb(m.peak - m.before), mb(m.hwm), '']);
        // The runtime's RSS at a quarter, half, three quarters and the end of the upload: a steady climb means buffering.
        const last = report.timeline.at(-1)?.ms ?? 0;
        const at = (/** @type {number} */ share) =>
          mb(report.timeline.find((sample) => sample.ms >= share * last)?.runtime ?? null);
        return [
          ...roles,
          [
            name,
            'all (one sample)',
            mb(report.total.before),
            mb(report.total.peak),
            mb(report.total.peak - report.total.before),
            '',
            `${rate(transfer.mbPerSecond)} MB/s; runtime at ¼ ½ ¾ end: ${at(0.25)} ${at(0.5)} ${at(0.75)} ${at(1)}` +
              (report.retriedAfterRestart ? ' (retried: the worker reloaded during an earlier try)' : ''),
          ],
          null,
        ];
      });
      memoryRows.pop();
      /** Runtime RSS growth in the first and the second half of the upload (by time), and overall. */
      const growthOf = (/** @type {string} */ name) => {
        const report = memory[name].report;
        const runtime = report?.byRole.runtime;
        if (!report || !runtime) return null;
        const last = report.timeline.at(-1)?.ms ?? 0;
        const middle = report.timeline.find((sample) => sample.ms >= last / 2)?.runtime ?? runtime.before;
        const end = report.timeline.at(-1)?.runtime ?? runtime.after;
        return { total: runtime.peak - runtime.before, firstHalf: middle - runtime.before, secondHalf: end - middle };
      };
      const growthLine = MEMORY_TARGETS.map((name) => {
        const growth = growthOf(name);
        return growth
          ? `${name} ${mb(growth.total)} (${mb(growth.firstHalf)} + ${mb(growth.secondHalf)})`
          : `${name} –`;
      }).join(', ');
      const report = [
        `files (a): ${THROUGHPUT_BYTES / MB} MB upload and download, Hearth app vs direct R2 (bench/bare-r2), wrangler dev, local`,
        ...THROUGHPUT_TARGETS.map((name) => `  ${name.padEnd(12)} ${targets[name].does}`),
        `  the same random body every time; 1 warm-up + ${settings.rounds} rounds per target, order alternating; ` +
          'app downloads time the /dl transfer alone (the signed-link request before it is not counted); MB = 10^6 bytes',
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'op', align: 'left' },
            { header: 'run', align: 'left' },
            { header: 'MB/s' },
            { header: 'ms' },
            { header: 'srv CPU ms/MB' },
            { header: 'runtime ms/MB' },
            { header: 'srv CPU' },
            { header: 'loadgen CPU' },
            { header: 'other CPU' },
          ],
          throughputRows,
        ),
        ...(runs.some((run) => run.restarted)
          ? ['* wrangler restarted server processes during this transfer (a source edit); left out of the medians.']
          : []),
        '',
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'op', align: 'left' },
            { header: 'median MB/s' },
            { header: 'best MB/s' },
            { header: 'srv CPU ms/MB' },
            { header: 'runtime ms/MB' },
            { header: 'app/this MB/s' },
            { header: 'app/this CPU' },
          ],
          summaryRows,
        ),
        '  medians over the rounds; app/this MB/s below 1 = the app is slower; app/this CPU above 1 = the app works harder per MB',
        '',
        `files (b): resident memory during one ${MEMORY_BYTES / MB} MB upload, RSS from /proc every ${SAMPLE_MS} ms, MB`,
        "  runtime = the workerd running the worker (and Miniflare's R2/D1 simulators); proxy = wrangler's proxy workerd; " +
          'wrangler = its node processes; other = esbuild',
        "  peak = the higher of the samples and VmHWM (the kernel's own peak RSS, reset when sampling starts)",
        '',
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'process', align: 'left' },
            { header: 'before' },
            { header: 'peak' },
            { header: 'growth' },
            { header: 'VmHWM' },
            { header: 'upload', align: 'left' },
          ],
          memoryRows,
        ),
        '',
        `body ${MEMORY_BYTES / MB} MB. runtime RSS growth, MB (first half + second half of the upload): ${growthLine}`,
        '  RSS growth is an upper bound on what was held, not a measure of it: V8 collects dropped buffers (stream',
        '  chunks, 10 MiB parts) lazily and freed memory is not always returned to the OS, so a fresh runtime grows even',
        '  for "sink", which keeps nothing. Read the app against "r2 multipart" (the same R2 calls without the app) and',
        '  "sink" (no R2 at all): similar growth means the app adds no copy of the body of its own; growth well above',
        '  them, rising steadily to the end of the upload, would mean it holds the body. Each target ran on a server',
        '  that had not seen a big body before.',
      ].join('\n');

      return {
        report,
        result: {
          scenario: 'files',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          bytes: { throughput: THROUGHPUT_BYTES, memory: MEMORY_BYTES, appPartBytes: APP_PART_BYTES },
          targets: Object.fromEntries(
            MEMORY_TARGETS.map((name) => [
              name,
              { url: targets[name].server.url, command: targets[name].server.command, does: targets[name].does },
            ]),
          ),
          throughput: { warmup, runs, summary, comparison },
          memory: Object.fromEntries(
            Object.entries(memory).map(([name, entry]) => [name, { ...entry, runtimeGrowth: growthOf(name) }]),
          ),
        },
      };
    } finally {
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};
