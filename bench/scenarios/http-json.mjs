// GET /api/meta on the Hearth app vs the same JSON from a bare worker.
// The difference is what the framework and the middleware stack cost per request.
import { describeEnvironment } from '../lib/environment.mjs';
import { probe } from '../lib/probe.mjs';
import {
  allLabel,
  compare,
  cpuBreakdown,
  format,
  MEASUREMENT_COLUMNS,
  measurementRow,
  noiseNote,
  ratio,
  restartNote,
  table,
} from '../lib/report.mjs';
import { roundsSeconds, runRounds } from '../lib/scenario.mjs';
import { startBareWorker, startHearth } from '../lib/targets.mjs';

const PATH = '/api/meta';
const DESCRIPTION =
  'GET /api/meta through the full middleware stack vs a bare worker returning the same JSON (both under wrangler dev)';

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'http-json',
  description: DESCRIPTION,
  estimateSeconds: (settings) => roundsSeconds(settings, 2),

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    log('starting the app (scripts/dev.mjs: migrations, web build, wrangler dev)…');
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    try {
      const appServer = await startHearth({ verbose });
      started.push(appServer);
      const app = await probe(`${appServer.url}${PATH}`);
      if (app.status !== 200) throw new Error(`app answered ${app.status} to GET ${PATH}: ${app.body.slice(0, 300)}`);

      // The baseline answers with exactly what the app just did, so both send the same payload.
      log(`app answers ${app.status} ${app.contentType} ${app.body}; starting the bare worker with the same…`);
      const bareServer = await startBareWorker({ body: app.body, contentType: app.contentType ?? '', verbose });
      started.push(bareServer);
      const bare = await probe(`${bareServer.url}${PATH}`);
      const problems = [
        bare.status !== 200 && `bare worker answered ${bare.status}`,
        app.body !== bare.body && `bodies differ: app ${app.body} vs bare ${bare.body}`,
        app.contentType !== bare.contentType &&
          `content types differ: app ${app.contentType} vs bare ${bare.contentType}`,
      ].filter(Boolean);
      if (problems.length > 0) throw new Error(`targets are not comparable:\n  ${problems.join('\n  ')}`);
      const servers = { app: appServer, bare: bareServer };

      const { warmup, runs, merged, best, excluded, mergedFrom } = await runRounds({
        targets: [
          { name: 'app', server: servers.app, path: PATH },
          { name: 'bare', server: servers.bare, path: PATH },
        ],
        settings,
        log,
      });
      const comparison = {
        ...compare(merged.app, merged.bare),
        // Load from elsewhere only ever slows a run down, so the best runs are the least disturbed.
        bestRunThroughputRatio: ratio(best.app.rps, best.bare.rps),
      };

      const rows = [
        ...runs.map(({ round, target, measurement }) => measurementRow(target, `round ${round}`, measurement)),
        null,
        measurementRow('app', allLabel(mergedFrom.app), merged.app),
        measurementRow('bare', allLabel(mergedFrom.bare), merged.bare),
      ];
      const report = [
        `http-json: GET ${PATH}, Hearth app vs bare worker (wrangler dev, local)`,
        `  ${settings.connections} connections, pipelining ${settings.pipelining}, warm-up ${settings.warmupSeconds} s, ` +
          `${settings.rounds} × ${settings.seconds} s per target, order alternating (ABBA…)`,
        `  responses: app ${app.bodyBytes} B body + ~${app.headerBytes} B in ${app.headerNames.length} headers; ` +
          `bare ${bare.bodyBytes} B body + ~${bare.headerBytes} B in ${bare.headerNames.length} headers`,
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        table(MEASUREMENT_COLUMNS, rows),
        ...[restartNote(runs.map((run) => run.measurement))].filter((note) => note !== null),
        '',
        `app / bare, "all" rows:  throughput ${format.ratio(comparison.throughputRatio)}   ` +
          `p50 ${format.ratio(comparison.p50Ratio)}   p99 ${format.ratio(comparison.p99Ratio)}`,
        `app / bare, best rounds: throughput ${format.ratio(comparison.bestRunThroughputRatio)} ` +
          `(${format.count(best.app.rps)} vs ${format.count(best.bare.rps)} req/s)`,
        `server CPU per request:  ${format.us(merged.app.serverCpuUsPerRequest)} vs ` +
          `${format.us(merged.bare.serverCpuUsPerRequest)} µs = ${format.ratio(comparison.serverCpuPerRequestRatio)} ` +
          `(${format.deltaUs(comparison.extraServerCpuUsPerRequest)}); in the worker's own workerd ` +
          `${format.us(merged.app.runtimeCpuUsPerRequest)} vs ${format.us(merged.bare.runtimeCpuUsPerRequest)} µs = ` +
          `${format.ratio(comparison.runtimeCpuPerRequestRatio)} (${format.deltaUs(comparison.extraRuntimeCpuUsPerRequest)})`,
        `  by process, µs/req:    app ${cpuBreakdown(merged.app)}`,
        `                         bare ${cpuBreakdown(merged.bare)}`,
        ...[noiseNote(runs.map((run) => run.measurement))].filter((note) => note !== null),
      ].join('\n');

      return {
        report,
        result: {
          scenario: 'http-json',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          targets: {
            app: { url: `${servers.app.url}${PATH}`, command: servers.app.command, response: app },
            bare: { url: `${servers.bare.url}${PATH}`, command: servers.bare.command, response: bare },
          },
          warmup,
          runs,
          merged,
          best: { app: best.app.label, bare: best.bare.label },
          excluded,
          comparison,
        },
      };
    } finally {
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};
