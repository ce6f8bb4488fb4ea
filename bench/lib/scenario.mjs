// What a scenario is, and the A/B loop most of them share.
import { setTimeout as sleep } from 'node:timers/promises';
import { measure, mergeMeasurements, restarted, settle } from './load.mjs';

/**
 * @typedef {object} Settings load settings, from the command line (bench/run.mjs)
 * @property {number} warmupSeconds per target, before the measured runs
 * @property {number} seconds per measured run
 * @property {number} rounds measured runs per target; the order alternates (ABBA…)
 * @property {number} connections concurrent keep-alive connections (closed loop)
 * @property {number} pipelining requests in flight per connection
 * @property {boolean} quick `--quick`: scenarios with their own schedules shorten them (fewer sizes, steps, seconds)
 */

/**
 * @typedef {object} ScenarioContext
 * @property {Settings} settings
 * @property {boolean} verbose stream server output
 * @property {(message: string) => void} log progress, to stderr
 */

/**
 * @typedef {object} ScenarioOutcome
 * @property {string} report human-readable, printed to stdout
 * @property {Record<string, unknown>} result written to bench/results/<name>-<timestamp>.json
 * @property {import('./report.mjs').Goal[]} [goals] the rows of issue 10's table it measured (lib/goals.mjs),
 *   printed after the report, in the summary, and written to the result file as `goals`
 */

/**
 * @typedef {object} Scenario
 * @property {string} name used on the command line and in result file names
 * @property {string} description one line
 * @property {(settings: Settings) => number} estimateSeconds load time it will take, for the run's time budget
 * @property {(context: ScenarioContext) => Promise<ScenarioOutcome>} run starts its servers, measures, stops them
 */

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {import('./servers.mjs').Server} server
 * @property {string} path request path
 * @property {string} [method]
 * @property {Record<string, string>} [headers]
 * @property {string | Buffer} [body]
 */

/**
 * Load time of `runRounds` for `targets` targets, in seconds.
 * @param {Settings} settings
 * @param {number} targets
 */
export function roundsSeconds(settings, targets) {
  const pauses = targets * (settings.rounds + 1);
  return targets * (settings.warmupSeconds + settings.rounds * settings.seconds) + pauses;
}

/**
 * Warms every target up, then measures each `settings.rounds` times, alternating
 * the order every round (A B, B A, A B…) so drift over the run (thermal, other
 * load on the box) does not favour whichever goes first.
 * @param {object} options
 * @param {Target[]} options.targets
 * @param {Settings} options.settings
 * @param {(message: string) => void} options.log
 */
export async function runRounds({ targets, settings, log }) {
  const loadOf = (/** @type {Target} */ target, /** @type {number} */ seconds, /** @type {string} */ label) => ({
    url: `${target.server.url}${target.path}`,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections: settings.connections,
    pipelining: settings.pipelining,
    seconds,
    server: target.server,
    label,
  });

  /** @type {Record<string, import('./load.mjs').Measurement>} */
  const warmup = {};
  for (const target of targets) {
    log(`warm-up ${target.name} (${settings.warmupSeconds} s)…`);
    warmup[target.name] = await measure(loadOf(target, settings.warmupSeconds, `${target.name} warm-up`));
    await settle();
  }

  /** @type {{ round: number, target: string, measurement: import('./load.mjs').Measurement }[]} */
  const runs = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      const measurement = await measure(loadOf(target, settings.seconds, `${target.name} round ${round}`));
      runs.push({ round, target: target.name, measurement });
      log(
        `round ${round}/${settings.rounds} ${target.name}: ${Math.round(measurement.rps)} req/s, ` +
          `p50 ${measurement.latency.p50.toFixed(2)} ms, p99 ${measurement.latency.p99.toFixed(2)} ms` +
          (measurement.errors || measurement.non2xx
            ? `, ${measurement.errors} errors, ${measurement.non2xx} non-2xx${measurement.firstError ? ` (${measurement.firstError})` : ''}`
            : ''),
      );
      await settle();
    }
  }

  // Runs during which wrangler restarted the worker (a source edit) measure the reload,
  // not the code: leave them out of the totals when the target has undisturbed runs.
  /** @type {Record<string, import('./load.mjs').Measurement>} all (undisturbed) runs of each target as one */
  const merged = {};
  /** @type {Record<string, import('./load.mjs').Measurement>} the fastest (undisturbed) run of each target */
  const best = {};
  /** @type {string[]} labels of the runs left out */
  const excluded = [];
  /** @type {Record<string, { used: number, of: number }>} how many runs each merged figure holds */
  const mergedFrom = {};
  for (const target of targets) {
    const all = runs.filter((run) => run.target === target.name).map((run) => run.measurement);
    const clean = all.filter((measurement) => !restarted(measurement));
    const used = clean.length > 0 ? clean : all;
    excluded.push(...all.filter((measurement) => !used.includes(measurement)).map((m) => m.label));
    merged[target.name] = mergeMeasurements(used, `${target.name}: ${used.length} of ${all.length} runs`);
    mergedFrom[target.name] = { used: used.length, of: all.length };
    best[target.name] = used.reduce((a, b) => (b.rps > a.rps ? b : a));
  }
  return { warmup, runs, merged, best, excluded, mergedFrom };
}

/**
 * Runs `work`; if it throws (a worker reload mid-request: wrangler answers 503 "Your worker
 * restarted mid-request", sockets drop), waits until the server answers again and tries
 * again, up to `attempts` times in all. For steps that cannot be measured half-way, such
 * as one big upload. Returns how many tries failed, so the caller can flag the result.
 * @template T
 * @param {import('./servers.mjs').Server} server
 * @param {() => Promise<T>} work
 * @param {{ label: string, log: (message: string) => void, attempts?: number }} options
 * @returns {Promise<{ value: T, failedTries: number }>}
 */
export async function retryAfterRestart(server, work, { label, log, attempts = 3 }) {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await work(), failedTries: attempt - 1 };
    } catch (error) {
      if (attempt >= attempts) throw error;
      log(
        `${label}: ${String(/** @type {Error} */ (error).message)
          .split('\n')[0]
          .slice(0, 160)}; waiting for ${server.name} and trying again…`,
      );
      await sleep(1000);
      await server.ready();
    }
  }
}
