// `npm run bench [-- <scenario>…] [options]`: runs benchmark scenarios against
// local wrangler dev servers, prints a table per scenario and writes
// bench/results/<scenario>-<timestamp>.json. See bench/README.md.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cleanup, installSignalHandlers } from './lib/cleanup.mjs';
import { writeResult } from './lib/report.mjs';
import { ROOT } from './lib/servers.mjs';
import { scenarios } from './scenarios/index.mjs';

/** @type {import('./lib/scenario.mjs').Settings} */
const DEFAULTS = { warmupSeconds: 3, seconds: 5, rounds: 4, connections: 10, pipelining: 1 };
/** Allowance per scenario for starting servers (wrangler builds first) and stopping them. */
const STARTUP_ALLOWANCE_SECONDS = 150;

const USAGE = `Usage: npm run bench [-- [scenario…] [options]]

Runs every scenario, or only those named.

Options:
  --duration <s>      measured seconds per run (default ${DEFAULTS.seconds})
  --warmup <s>        warm-up seconds per target (default ${DEFAULTS.warmupSeconds})
  --rounds <n>        measured runs per target, order alternating (default ${DEFAULTS.rounds})
  --connections <n>   concurrent connections (default ${DEFAULTS.connections})
  --pipelining <n>    requests in flight per connection (default ${DEFAULTS.pipelining})
  --no-save           do not write bench/results/*.json
  --verbose           stream the servers' output
  --list              list scenarios and exit
  --help`;

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/**
 * @param {string} name
 * @param {string | undefined} value
 * @param {{ integer?: boolean }} [options]
 */
function positive(name, value, { integer = false } = {}) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    fail(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return number;
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      pipelining: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  fail(/** @type {Error} */ (error).message);
}
const { values, positionals } = parsed;

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.list) {
  for (const scenario of scenarios) console.log(`${scenario.name.padEnd(16)} ${scenario.description}`);
  process.exit(0);
}

const unknown = positionals.filter((name) => !scenarios.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  fail(`Unknown scenario ${unknown.join(', ')}. Known: ${scenarios.map((scenario) => scenario.name).join(', ')}`);
}
const selected = positionals.length > 0 ? scenarios.filter((s) => positionals.includes(s.name)) : scenarios;

/** @type {import('./lib/scenario.mjs').Settings} */
const settings = {
  warmupSeconds: positive('warmup', values.warmup) ?? DEFAULTS.warmupSeconds,
  seconds: positive('duration', values.duration) ?? DEFAULTS.seconds,
  rounds: positive('rounds', values.rounds, { integer: true }) ?? DEFAULTS.rounds,
  connections: positive('connections', values.connections, { integer: true }) ?? DEFAULTS.connections,
  pipelining: positive('pipelining', values.pipelining, { integer: true }) ?? DEFAULTS.pipelining,
};

const started = performance.now();
/** Progress goes to stderr, so stdout holds only the reports. */
/** @param {string} message */
function log(message) {
  const elapsed = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  console.error(`[${elapsed} s] ${message}`);
}

installSignalHandlers();

// Safety net: whatever hangs, the run ends by itself.
const budgetSeconds = selected.reduce(
  (total, scenario) => total + scenario.estimateSeconds(settings) + STARTUP_ALLOWANCE_SECONDS,
  0,
);
const watchdog = setTimeout(() => {
  log(`still running after ${budgetSeconds} s; giving up`);
  cleanup().finally(() => process.exit(1));
}, budgetSeconds * 1000);
watchdog.unref();

let failed = 0;
try {
  for (const scenario of selected) {
    log(`${scenario.name}: about ${Math.round(scenario.estimateSeconds(settings))} s of load plus start-up`);
    try {
      const { report, result } = await scenario.run({ settings, verbose: values.verbose, log });
      console.log(`\n${report}\n`);
      if (!values['no-save']) {
        const file = writeResult(scenario.name, result);
        console.log(`wrote ${path.relative(ROOT, file)}\n`);
      }
    } catch (error) {
      failed++;
      console.error(`\n${scenario.name} failed: ${/** @type {Error} */ (error).stack ?? error}\n`);
    }
  }
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
log(failed ? `done, ${failed} of ${selected.length} scenarios failed` : 'done');
process.exit(failed ? 1 : 0);
