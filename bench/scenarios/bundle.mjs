// The deploy bundle and start-up: `wrangler deploy --dry-run --outdir <tmp>` for the app and
// for bench/bare-worker, raw and gzip sizes of their modules (as wrangler counts them), then
// each bundle started in a fresh workerd (Miniflare, no wrangler dev) `rounds` times, order
// alternating: time until ready (runtime start + module evaluation), first and second request.

import path from 'node:path';
import { buildBundle, kib, readBudgets } from '../lib/bundle.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { bundleGoal, startupGoal } from '../lib/goals.mjs';
import { summarizeLatency } from '../lib/load.mjs';
import { format, table } from '../lib/report.mjs';
import { ROOT } from '../lib/servers.mjs';
import { measureStartup } from '../lib/startup.mjs';

const DESCRIPTION =
  'worker bundle size (wrangler deploy --dry-run, raw and gzip) and start-up: fresh workerd ready + first request, app vs bare worker';
const PATH = '/api/meta';
/** What `npm run dev` sets, so the app serves /api/meta instead of refusing an unconfigured production. */
const APP_VARS = { ENVIRONMENT: 'development', APP_URL: 'http://localhost:8787' };

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'bundle',
  description: DESCRIPTION,
  // Two builds (~10 s each, the app's runs the web build) and 2 × rounds fresh runtimes (~1–2 s each).
  estimateSeconds: (settings) => 30 + 2 * settings.rounds * 3,

  async run({ settings, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    log('building the app bundle (wrangler deploy --dry-run)…');
    const app = await buildBundle();
    try {
      log(`app: ${kib(app.bytes)}, gzip ${kib(app.gzipBytes)}; building the bare worker…`);
      const bare = await buildBundle({ config: path.join(ROOT, 'bench', 'bare-worker', 'wrangler.toml') });
      try {
        /** @type {Record<'app' | 'bare', import('../lib/startup.mjs').StartupSample[]>} */
        const samples = { app: [], bare: [] };
        const targets = /** @type {const} */ ([
          ['app', app, APP_VARS],
          ['bare', bare, {}],
        ]);
        // One unreported start each first: the disk cache and the runtime binary warm up.
        for (const [name, bundle, vars] of targets) {
          log(`warm-up start of ${name}…`);
          await measureStartup(bundle, { vars, requestPath: PATH });
        }
        for (let round = 1; round <= settings.rounds; round++) {
          const order = round % 2 === 1 ? targets : [...targets].reverse();
          for (const [name, bundle, vars] of order) {
            const sample = await measureStartup(bundle, { vars, requestPath: PATH });
            if (sample.status !== 200) {
              throw new Error(`${name} answered ${sample.status} to GET ${PATH}: ${sample.body.slice(0, 300)}`);
            }
            samples[name].push(sample);
            log(
              `round ${round}/${settings.rounds} ${name}: ready ${format.count(sample.readyMs)} ms, ` +
                `first ${format.ms(sample.firstMs)} ms, second ${format.ms(sample.secondMs)} ms`,
            );
          }
        }
        const median = (
          /** @type {'app' | 'bare'} */ name,
          /** @type {'readyMs' | 'firstMs' | 'secondMs' | 'readyCpuMs' | 'firstCpuMs'} */ key,
        ) => {
          const values = samples[name].map((s) => s[key]);
          return values.some((v) => v === null)
            ? null
            : summarizeLatency(Float64Array.from(/** @type {number[]} */ (values))).p50;
        };
        const medians = Object.fromEntries(
          /** @type {const} */ (['app', 'bare']).map((name) => [
            name,
            {
              readyMs: /** @type {number} */ (median(name, 'readyMs')),
              firstMs: /** @type {number} */ (median(name, 'firstMs')),
              secondMs: /** @type {number} */ (median(name, 'secondMs')),
              readyCpuMs: median(name, 'readyCpuMs'),
              firstCpuMs: median(name, 'firstCpuMs'),
            },
          ]),
        );
        const goals = [bundleGoal(app), startupGoal(medians.app, medians.bare)];

        const sizeRows = [app, bare].flatMap((bundle, i) => [
          ...bundle.modules.map((module) => [
            i === 0 ? 'app' : 'bare',
            module.name,
            kib(module.bytes),
            kib(module.gzipBytes),
          ]),
          [i === 0 ? 'app' : 'bare', "all modules (wrangler's figure)", kib(bundle.bytes), kib(bundle.gzipBytes)],
          null,
        ]);
        sizeRows.pop();
        const startupRows = /** @type {const} */ (['app', 'bare']).map((name) => [
          name,
          String(samples[name].length),
          format.count(medians[name].readyMs),
          format.ms(medians[name].firstMs),
          format.ms(medians[name].secondMs),
          format.count(Math.max(...samples[name].map((s) => s.readyMs))),
          cpuMs(medians[name].readyCpuMs),
          cpuMs(medians[name].firstCpuMs),
        ]);
        const budget = readBudgets().workerGzipBytes;
        const report = [
          'bundle: the deploy bundle (wrangler deploy --dry-run --outdir) and start-up, app vs bare worker',
          `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
            `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
          '',
          table(
            [
              { header: 'target', align: 'left' },
              { header: 'module', align: 'left' },
              { header: 'raw' },
              { header: 'gzip' },
            ],
            sizeRows,
          ),
          `  wrangler says: app ${app.wranglerReported ?? '?'}; bare ${bare.wranglerReported ?? '?'}`,
          `  budget (bench/budgets.json, enforced by scripts/check-bundle-size.mjs): ${kib(budget)} gzip; ` +
            `app ${app.gzipBytes <= budget ? `${kib(budget - app.gzipBytes)} under` : `${kib(app.gzipBytes - budget)} OVER`}`,
          '',
          `start-up: a fresh workerd (Miniflare) per start, ${settings.rounds} starts per target after one warm-up each, ` +
            `order alternating; GET ${PATH} twice`,
          '',
          table(
            [
              { header: 'target', align: 'left' },
              { header: 'starts' },
              { header: 'ready ms (p50)' },
              { header: 'first request ms' },
              { header: 'second request ms' },
              { header: 'ready ms (max)' },
              { header: 'runtime CPU ms to ready' },
              { header: 'runtime CPU ms, 1st request' },
            ],
            startupRows,
          ),
          '',
          `app − bare: ready +${format.count(medians.app.readyMs - medians.bare.readyMs)} ms (module compile and ` +
            `evaluation, the runtime's own start being the same), first request ` +
            `+${format.ms(medians.app.firstMs - medians.bare.firstMs)} ms; runtime CPU to ready ` +
            `${cpuMs(medians.app.readyCpuMs)} vs ${cpuMs(medians.bare.readyCpuMs)} ms`,
          '  ready: new Miniflare() until it listens (workerd start, modules compiled and evaluated); first request: ' +
            'what the worker builds lazily plus the first JIT; second: warm. Wall times on a shared box: medians, ' +
            'compare within the run. Runtime CPU (the workerd process, from /proc, 10 ms ticks) counts work, not ' +
            'waiting: it holds up better on a busy machine.',
        ].join('\n');

        return {
          report,
          goals,
          result: {
            scenario: 'bundle',
            description: DESCRIPTION,
            startedAt,
            finishedAt: new Date().toISOString(),
            settings,
            environment,
            bundles: Object.fromEntries(
              [
                ['app', app],
                ['bare', bare],
              ].map(([name, b]) => {
                const { dispose: _dispose, dir: _dir, ...rest } = /** @type {import('../lib/bundle.mjs').Bundle} */ (b);
                return [name, rest];
              }),
            ),
            budgetBytes: budget,
            startup: { path: PATH, samples, medians },
            goals,
          },
        };
      } finally {
        bare.dispose();
      }
    } finally {
      app.dispose();
    }
  },
};

/** @param {number | null} value */
const cpuMs = (value) => (value === null ? '–' : format.count(value));
