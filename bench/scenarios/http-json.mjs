// GET /api/meta on the Hearth app vs the same JSON from a bare worker.
// The difference is what the framework and the middleware stack cost per request.
import { describeEnvironment } from '../lib/environment.mjs';
import { cpuGoal } from '../lib/goals.mjs';
import { probe } from '../lib/probe.mjs';
import { appVersusBare } from '../lib/report.mjs';
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
      const { comparison, lines } = appVersusBare({
        settings,
        responses: { app, bare },
        rounds: { runs, merged, best, mergedFrom },
        extraHeader: [
          `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
            `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        ],
      });
      const report = [`http-json: GET ${PATH}, Hearth app vs bare worker (wrangler dev, local)`, ...lines].join('\n');
      const goals = [cpuGoal('meta-cpu', merged)];

      return {
        report,
        goals,
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
          goals,
        },
      };
    } finally {
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};
