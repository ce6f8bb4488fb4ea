// A backup of a deployment holding many rows and many objects, against a plain R2-to-R2 copy.
// Before the app starts, the runner fills its local D1 with chat messages (node:sqlite, as the
// coworking scenario fills sessions); then it uploads the objects through POST /api/files and
// the same bytes to bench/bare-copy. Timed: POST /api/backups until GET /api/backups/:id says
// done (the queue job writing the tar archive to R2 as a multipart upload, in steps), and the
// bare worker copying the same objects to other keys, one get and one put each. Resident memory
// of each worker is sampled from /proc during its run, and during a body sent to the `files`
// scenario's sink (bench/bare-r2 PUT /sink), which keeps nothing: the floor.
//
// Sizes: BENCH_BACKUP_MB (default 500; --quick 50), BENCH_BACKUP_OBJECTS (200; --quick 20),
// BENCH_BACKUP_ROWS (100 000; --quick 10 000).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiOk, registerUsers } from '../lib/accounts.mjs';
import { cpuSnapshot, cpuUsage } from '../lib/cpu.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { settle } from '../lib/load.mjs';
import { sampleMemory } from '../lib/memory.mjs';
import { d1File } from '../lib/nearby-data.mjs';
import { format, ratio, table } from '../lib/report.mjs';
import { childEnv, freePort, liveGroups, ROOT, startServer, tempDir } from '../lib/servers.mjs';
import { startBareR2, startHearth } from '../lib/targets.mjs';
import { upload } from '../lib/transfer.mjs';

const DESCRIPTION =
  'backup of 500 MB in 200 objects plus 100 000 rows through the API (app) vs a plain R2-to-R2 copy of the same objects; worker memory vs the upload sink';
const MB = 1_000_000;
/** The body the `files` scenario sends its sink (its MEMORY_BYTES), for the same floor. */
const SINK_BYTES = 90 * MB;
const SAMPLE_MS = 50;
const POLL_MS = 250;
/** Objects the bare worker copies per request, like the backup's steps: no request holds hundreds of subrequests. */
const COPY_BATCH = 20;
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler');
const HOST = '127.0.0.1';

/**
 * Sizes from the environment, or the defaults (short ones with --quick).
 * @param {boolean} quick
 */
export function backupSizes(quick, env = process.env) {
  const read = (/** @type {string} */ name, /** @type {number} */ fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
    return value;
  };
  const megabytes = read('BENCH_BACKUP_MB', quick ? 50 : 500);
  const objects = Math.round(read('BENCH_BACKUP_OBJECTS', quick ? 20 : 200));
  const rows = Math.round(read('BENCH_BACKUP_ROWS', quick ? 10_000 : 100_000));
  return { bytes: Math.round(megabytes * MB), objects, rows };
}

/** Object sizes summing to `total`: equal shares, the remainder spread over the first ones. */
function objectSizes(/** @type {number} */ total, /** @type {number} */ count) {
  const share = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => share + (i < total - share * count ? 1 : 0));
}

/** @param {string[]} args */
function wrangler(args) {
  const result = spawnSync(WRANGLER, args, {
    cwd: ROOT,
    env: childEnv({ CLOUDFLARE_CF_FETCH_ENABLED: 'false' }),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed (${result.status}): ${result.stderr.slice(-600)}`);
  }
}

/**
 * A fresh state dir with the app's migrations applied and `rows` chat messages of one made-up
 * author in one room, written straight into the local D1 file in one transaction.
 * @param {number} rows
 */
async function prepareRows(rows) {
  const started = performance.now();
  const persistTo = tempDir('app');
  wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo]);
  const { DatabaseSync } = /** @type {typeof import('node:sqlite')} */ (await import('node:sqlite'));
  const db = new DatabaseSync(d1File(persistTo));
  const at = Date.now();
  const authorId = 'bench-backup-author';
  const roomId = 'bench-backup-room';
  db.prepare(
    'INSERT INTO users (id, email, name, settings, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(authorId, 'backup-author@bench.example', 'Backup author', '{}', 'active', at, at);
  db.prepare(
    'INSERT INTO rooms (id, name, visibility, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(roomId, 'Backup bench', 'public', authorId, at, at);
  const insert = db.prepare(
    'INSERT INTO messages (room_id, seq, id, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  db.exec('BEGIN');
  for (let seq = 1; seq <= rows; seq++) {
    const text = `Message ${seq}: the quick brown fox jumps over the lazy dog, ${(seq * 2654435761) % 1e9}.`;
    insert.run(roomId, seq, `bench-msg-${seq}`, authorId, 'Backup author', text, at - (rows - seq) * 1000);
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  return { persistTo, ms: performance.now() - started };
}

/**
 * bench/bare-copy under `wrangler dev`, flagged as lib/targets.mjs starts its bench workers.
 * @param {{ verbose?: boolean }} options
 */
async function startBareCopy({ verbose = false }) {
  const port = await freePort(HOST);
  const persistTo = tempDir('bare-copy');
  return startServer({
    name: 'bare-copy',
    command: WRANGLER,
    args: [
      'dev',
      '--config',
      path.join(ROOT, 'bench', 'bare-copy', 'wrangler.toml'),
      '--port',
      String(port),
      '--ip',
      HOST,
      '--persist-to',
      persistTo,
      '--inspector-port',
      String(await freePort(HOST)),
      '--log-level',
      'warn',
      '--show-interactive-dev-session=false',
    ],
    url: `http://${HOST}:${port}`,
    readyPath: '/',
    env: childEnv({ WRANGLER_LOG_PATH: path.join(persistTo, 'wrangler-logs') }),
    verbose,
  });
}

/**
 * Runs `work` with the server's memory sampled and its CPU counted.
 * @template T
 * @param {import('../lib/servers.mjs').Server} server
 * @param {() => Promise<T>} work
 */
async function measured(server, work) {
  const groups = liveGroups();
  const before = cpuSnapshot(groups);
  const sampler = sampleMemory({ pgid: server.pid, port: server.port }, { intervalMs: SAMPLE_MS });
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    const memory = sampler.stop();
    return { value, ms, memory, cpu: cpuUsage(before, cpuSnapshot(groups), server.pid) };
  } catch (error) {
    sampler.stop();
    throw error;
  }
}

/**
 * POST /api/backups, then GET /api/backups/:id until it is done (or failed).
 * @param {import('../lib/servers.mjs').Server} app
 * @param {string} token
 * @param {number} timeoutMs
 */
async function backUp(app, token, timeoutMs) {
  const { body: queued } = await apiOk(app, 'POST', '/api/backups', 202, { token });
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    const { body } = await apiOk(app, 'GET', `/api/backups/${queued.id}`, 200, { token });
    polls++;
    if (body.status === 'done') return { backup: body, polls };
    if (body.status === 'failed') throw new Error(`the backup failed: ${body.error}`);
    if (Date.now() > deadline) throw new Error(`the backup was still ${body.status} after ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

/**
 * Copies every object under `from` to `to` on the bare worker, a batch per request.
 * @param {import('../lib/servers.mjs').Server} bare
 * @param {string} from
 * @param {string} to
 */
async function bareCopy(bare, from, to) {
  let cursor = null;
  let copied = 0;
  let bytes = 0;
  let requests = 0;
  do {
    const query = new URLSearchParams({ from, to, limit: String(COPY_BATCH), ...(cursor ? { cursor } : {}) });
    const { body } = await apiOk(bare, 'POST', `/copy?${query}`, 200);
    copied += body.copied;
    bytes += body.bytes;
    cursor = body.cursor;
    requests++;
  } while (cursor);
  return { copied, bytes, requests };
}

const mb = (/** @type {number | null | undefined} */ bytes) =>
  bytes === null || bytes === undefined ? '–' : (bytes / MB).toFixed(1);

/**
 * Runtime (the workerd running the worker, with Miniflare's R2 and D1 simulators) and whole-group RSS.
 * @param {import('../lib/memory.mjs').MemoryReport | null} report
 */
function memoryFigures(report) {
  const runtime = report?.byRole.runtime;
  if (!report || !runtime) return null;
  return {
    runtimeBefore: runtime.before,
    runtimePeak: runtime.peak,
    runtimeGrowth: runtime.peak - runtime.before,
    runtimeHwm: runtime.hwm,
    totalPeak: report.total.peak,
    samples: report.samples,
  };
}

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'backups',
  description: DESCRIPTION,
  // Seeding sends the bytes twice (app and bare), the backup and the copy each move them once,
  // at 10–100 MB/s under wrangler dev; rows go in at about 100 000 a second.
  estimateSeconds: (settings) => {
    const { bytes, rows } = backupSizes(settings.quick);
    return 120 + (4 * bytes) / (8 * MB) + rows / 2000;
  },

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    const sizes = backupSizes(settings.quick);
    const sizesOf = objectSizes(sizes.bytes, sizes.objects);
    const largest = Math.max(...sizesOf);
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    try {
      log(`filling a fresh local D1 with ${format.count(sizes.rows)} chat messages…`);
      const rows = await prepareRows(sizes.rows);
      log(`rows in ${(rows.ms / 1000).toFixed(1)} s; starting the app on that state dir…`);
      const app = await startHearth({
        verbose,
        persistTo: rows.persistTo,
        extraArgs: [
          '--var',
          `STORAGE_QUOTA_BYTES:${sizes.bytes * 2 + 100 * MB}`,
          '--var',
          `MAX_UPLOAD_BYTES:${Math.max(largest + MB, 100 * 1024 * 1024)}`,
        ],
      });
      started.push(app);
      const { accounts, limited } = await registerUsers(app, { count: 1, prefix: 'backups', ipSalt: 41 });
      const account = accounts[0];
      if (!account) throw new Error(`could not register a user: ${limited}`);
      // Admin rights straight in the local D1, as `npm run admin` grants them.
      wrangler([
        'd1',
        'execute',
        'DB',
        '--local',
        '--persist-to',
        rows.persistTo,
        '--command',
        `INSERT INTO user_roles (user_id, role_id, granted_by, granted_at) VALUES ('${account.userId}', 'role_admin', NULL, ${Date.now()})`,
      ]);
      const token = account.accessToken;

      log('starting bench/bare-copy…');
      const bare = await startBareCopy({ verbose });
      started.push(bare);

      log(
        `uploading ${sizes.objects} objects of ${mb(sizesOf[0])} MB (${mb(sizes.bytes)} MB) to the app and to bare-copy…`,
      );
      const seedStarted = performance.now();
      for (const [i, size] of sizesOf.entries()) {
        const body = randomBytes(size);
        const name = `object-${String(i).padStart(4, '0')}.bin`;
        const toApp = await upload({
          url: `${app.url}/api/files?name=${name}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
          body,
        });
        if (toApp.status !== 201) throw new Error(`app upload answered ${toApp.status}: ${toApp.text?.slice(0, 300)}`);
        const toBare = await upload({ url: `${bare.url}/r2/source/${name}`, method: 'PUT', body });
        if (toBare.status !== 201) throw new Error(`bare put answered ${toBare.status}: ${toBare.text?.slice(0, 300)}`);
      }
      const seedMs = performance.now() - seedStarted;
      log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);

      // The bare worker's paths compiled once on one object; the app's backup runs cold (a warm-up
      // backup would be a second full one), which costs milliseconds against seconds of work.
      await bareCopy(bare, 'source/object-0000', 'warm-up/');
      await settle();

      log('app: POST /api/backups, polling until done…');
      const timeoutMs = Math.max(300_000, (sizes.bytes / MB) * 2000);
      const backup = await measured(app, () => backUp(app, token, timeoutMs));
      const { backup: done, polls } = backup.value;
      if (done.progress.objectsDone !== sizes.objects) {
        throw new Error(`the archive holds ${done.progress.objectsDone} objects, expected ${sizes.objects}`);
      }
      if (done.progress.rowsDone < sizes.rows) {
        throw new Error(`the archive holds ${done.progress.rowsDone} rows, expected at least ${sizes.rows}`);
      }
      log(`app: done in ${(backup.ms / 1000).toFixed(1)} s, archive ${mb(done.sizeBytes)} MB`);
      await settle();

      log('bare: copying the same objects R2 to R2…');
      const copy = await measured(bare, () => bareCopy(bare, 'source/', 'copy/'));
      if (copy.value.copied !== sizes.objects || copy.value.bytes !== sizes.bytes) {
        throw new Error(`bare copied ${copy.value.copied} objects, ${copy.value.bytes} bytes`);
      }
      log(`bare: done in ${(copy.ms / 1000).toFixed(1)} s`);

      log('sink: a fresh bare-r2, one body to PUT /sink…');
      const sinkServer = await startBareR2({ verbose });
      started.push(sinkServer);
      const warm = await upload({ url: `${sinkServer.url}/sink`, method: 'PUT', body: randomBytes(MB) });
      if (warm.status !== 200) throw new Error(`sink answered ${warm.status}`);
      await settle();
      const sinkBody = randomBytes(SINK_BYTES);
      const sink = await measured(sinkServer, () =>
        upload({ url: `${sinkServer.url}/sink`, method: 'PUT', body: sinkBody }),
      );
      if (sink.value.status !== 200) throw new Error(`sink answered ${sink.value.status}`);
      await sinkServer.stop();

      // ---- figures ------------------------------------------------------------------------------------
      const appRate = sizes.bytes / 1000 / backup.ms;
      const bareRate = sizes.bytes / 1000 / copy.ms;
      const memory = {
        app: memoryFigures(backup.memory),
        'bare copy': memoryFigures(copy.memory),
        sink: memoryFigures(sink.memory),
      };
      const cpuOf = (/** @type {import('../lib/cpu.mjs').CpuUsage} */ cpu) =>
        cpu.server ? { total: cpu.server.total, runtime: cpu.server.runtime } : null;
      const restarted = [backup, copy].some(
        (run) => run.cpu.server && (run.cpu.server.started || run.cpu.server.exited),
      );
      const summary = {
        app: {
          ms: backup.ms,
          jobMs: done.durationMs,
          mbPerSecond: appRate,
          archiveBytes: done.sizeBytes,
          rows: done.progress.rowsDone,
          objects: done.progress.objectsDone,
          polls,
          cpu: cpuOf(backup.cpu),
        },
        'bare copy': {
          ms: copy.ms,
          mbPerSecond: bareRate,
          requests: copy.value.requests,
          objects: copy.value.copied,
          cpu: cpuOf(copy.cpu),
        },
        ratios: {
          mbPerSecond: ratio(appRate, bareRate),
          runtimeGrowthVsSink: ratio(memory.app?.runtimeGrowth ?? null, memory.sink?.runtimeGrowth ?? null),
          runtimePeakVsSink: ratio(memory.app?.runtimePeak ?? null, memory.sink?.runtimePeak ?? null),
        },
      };

      const seconds = (/** @type {number | null | undefined} */ ms) =>
        ms === null || ms === undefined ? '–' : (ms / 1000).toFixed(1);
      const cpuSeconds = (/** @type {number | undefined} */ value) => (value === undefined ? '–' : value.toFixed(1));
      const throughputRows = [
        [
          'app',
          'POST /api/backups → done',
          mb(sizes.bytes),
          mb(done.sizeBytes),
          seconds(backup.ms),
          seconds(done.durationMs),
          appRate.toFixed(1),
          cpuSeconds(summary.app.cpu?.total),
          cpuSeconds(summary.app.cpu?.runtime),
          '',
        ],
        [
          'bare copy',
          `R2 get → put, ${COPY_BATCH} per request`,
          mb(sizes.bytes),
          mb(copy.value.bytes),
          seconds(copy.ms),
          '',
          bareRate.toFixed(1),
          cpuSeconds(summary['bare copy'].cpu?.total),
          cpuSeconds(summary['bare copy'].cpu?.runtime),
          format.ratio(summary.ratios.mbPerSecond),
        ],
      ];
      const memoryRow = (/** @type {string} */ name, /** @type {string} */ during) => {
        const m = memory[/** @type {keyof typeof memory} */ (name)];
        return m
          ? [
              name,
              during,
              mb(m.runtimeBefore),
              mb(m.runtimePeak),
              mb(m.runtimeGrowth),
              mb(m.runtimeHwm),
              mb(m.totalPeak),
            ]
          : [name, during, '–', '–', '–', '–', '–'];
      };
      const report = [
        `backups: ${mb(sizes.bytes)} MB in ${sizes.objects} objects plus ${format.count(sizes.rows)} rows, ` +
          'Hearth backup vs a plain R2-to-R2 copy (bench/bare-copy), wrangler dev, local',
        '  app: the archive job (queue messages in steps: every table paged as NDJSON, every object streamed in,',
        '       SHA-256 of each, tar written to R2 as a multipart upload), timed from the POST to the first poll',
        `       that saw done (every ${POLL_MS} ms); "job s" is the backup's own startedAt → finishedAt`,
        '  bare copy: the same bytes under other keys of its own bucket, each object get → put, streamed',
        `  one run each; MB/s counts the objects' bytes (MB = 10^6 bytes); rows in ${seconds(rows.ms)} s, objects seeded in ${seconds(seedMs)} s`,
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'does', align: 'left' },
            { header: 'objects MB' },
            { header: 'written MB' },
            { header: 's' },
            { header: 'job s' },
            { header: 'MB/s' },
            { header: 'srv CPU s' },
            { header: 'runtime CPU s' },
            { header: 'app/bare MB/s' },
          ],
          throughputRows,
        ),
        ...(restarted ? ['  wrangler restarted server processes during a run (a source edit): run again.'] : []),
        '',
        `backups: resident memory, MB, sampled from /proc every ${SAMPLE_MS} ms (peak also counts VmHWM)`,
        "  runtime = the workerd running the worker, with Miniflare's R2 and D1 simulators; all = every process of the server",
        `  sink = bench/bare-r2 PUT /sink reading a ${SINK_BYTES / MB} MB body and keeping nothing, on a fresh server (as in \`files\`)`,
        '',
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'during', align: 'left' },
            { header: 'runtime before' },
            { header: 'runtime peak' },
            { header: 'growth' },
            { header: 'VmHWM' },
            { header: 'all peak' },
          ],
          [
            memoryRow('app', `the backup (${mb(done.sizeBytes)} MB archive)`),
            memoryRow('bare copy', `the copy (${mb(sizes.bytes)} MB)`),
            memoryRow('sink', `one ${SINK_BYTES / MB} MB upload`),
          ],
        ),
        '',
        `  app/sink runtime growth ${format.ratio(summary.ratios.runtimeGrowthVsSink)}, peak ${format.ratio(summary.ratios.runtimePeakVsSink)}. ` +
          "Growth near the sink's, and not rising with the archive size, means the archive is streamed; an app that held it would grow by its size.",
      ].join('\n');

      return {
        report,
        result: {
          scenario: 'backups',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          sizes: { ...sizes, objectBytes: sizesOf[0], sinkBytes: SINK_BYTES },
          seeding: { rowsMs: rows.ms, objectsMs: seedMs },
          targets: {
            app: { url: app.url, command: app.command },
            'bare copy': { url: bare.url, command: bare.command },
          },
          backup: done,
          summary,
          memory,
          memoryReports: { app: backup.memory, 'bare copy': copy.memory, sink: sink.memory },
        },
      };
    } finally {
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};
