// `npm run bench [-- <scenario>…] [options]`: runs benchmark scenarios against
// local wrangler dev servers, prints a table per scenario and writes
// bench/results/<scenario>-<timestamp>.json, then the rows of issue 10's table each
// measured (app vs bare, target, met). `npm run bench -- summary` prints those rows
// from the newest saved results instead. See bench/README.md.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cleanup, installSignalHandlers } from './lib/cleanup.mjs';
import { goalsTable, RESULTS_DIR, writeResult } from './lib/report.mjs';
import { ROOT } from './lib/servers.mjs';
import { scenarios } from './scenarios/index.mjs';

/** @type {Omit<import('./lib/scenario.mjs').Settings, 'quick'>} */
const DEFAULTS = { warmupSeconds: 3, seconds: 5, rounds: 4, connections: 10, pipelining: 1 };
/** `--quick`: short settings, unless given explicitly; scenarios with their own schedules also shorten them. */
const QUICK = { warmupSeconds: 1, seconds: 3, rounds: 2 };
/** Allowance per scenario for starting servers (wrangler builds first) and stopping them. */
const STARTUP_ALLOWANCE_SECONDS = 150;

const USAGE = `Usage: npm run bench [-- [scenario…] [options]]

Runs every scenario, or only those named, then prints the targets they measured
(issue 10's table: app vs bare, target, met). \`summary\` runs nothing: it prints
those rows from the newest result file of each scenario in bench/results/.

Options:
  --quick             short runs: ${QUICK.rounds} rounds × ${QUICK.seconds} s, ${QUICK.warmupSeconds} s warm-up, fewer room sizes and steps
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
      quick: { type: 'boolean', default: false },
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

if (positionals.includes('summary')) {
  if (positionals.length > 1) fail('`summary` runs no scenario: give it alone');
  printSummary();
  process.exit(0);
}

const unknown = positionals.filter((name) => !scenarios.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  fail(`Unknown scenario ${unknown.join(', ')}. Known: ${scenarios.map((scenario) => scenario.name).join(', ')}`);
}
const selected = positionals.length > 0 ? scenarios.filter((s) => positionals.includes(s.name)) : scenarios;

const base = values.quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS;
/** @type {import('./lib/scenario.mjs').Settings} */
const settings = {
  warmupSeconds: positive('warmup', values.warmup) ?? base.warmupSeconds,
  seconds: positive('duration', values.duration) ?? base.seconds,
  rounds: positive('rounds', values.rounds, { integer: true }) ?? base.rounds,
  connections: positive('connections', values.connections, { integer: true }) ?? DEFAULTS.connections,
  pipelining: positive('pipelining', values.pipelining, { integer: true }) ?? DEFAULTS.pipelining,
  quick: values.quick,
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
/** @type {import('./lib/report.mjs').Goal[]} */
const goals = [];
try {
  for (const scenario of selected) {
    log(`${scenario.name}: about ${Math.round(scenario.estimateSeconds(settings))} s of load plus start-up`);
    try {
      const { report, result, goals: measured = [] } = await scenario.run({ settings, verbose: values.verbose, log });
      console.log(`\n${report}\n`);
      if (measured.length > 0) {
        console.log(`${scenario.name}: targets (issue 10)\n${goalsTable(measured)}\n`);
        goals.push(...measured);
      }
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
if (selected.length > 1 && goals.length > 0) {
  console.log(`summary: issue 10's targets, this run (app vs bare of the same run)\n${goalsTable(goals)}\n`);
}
log(failed ? `done, ${failed} of ${selected.length} scenarios failed` : 'done');
process.exit(failed ? 1 : 0);

/**
 * `npm run bench -- summary`: the targets of the newest result file of each scenario that has them,
 * with when each was measured (rows from different runs: each against its own run's baseline).
 */
function printSummary() {
  /** @type {string[]} */
  let files = [];
  try {
    files = readdirSync(RESULTS_DIR).filter((name) => name.endsWith('.json'));
  } catch {
    // No results yet.
  }
  /** @type {import('./lib/report.mjs').Goal[]} */
  const rows = [];
  const missing = [];
  for (const scenario of scenarios) {
    // <name>-<ISO timestamp>.json: names sort by time; "rooms-" also matches "rooms-capacity-".
    const newest = files
      .filter((name) => name.startsWith(`${scenario.name}-`) && /^\d{4}-/.test(name.slice(scenario.name.length + 1)))
      .sort()
      .reverse()
      .map((name) => JSON.parse(readFileSync(path.join(RESULTS_DIR, name), 'utf8')))
      .find((result) => Array.isArray(result.goals) && result.goals.length > 0);
    if (!newest) {
      missing.push(scenario.name);
      continue;
    }
    for (const goal of newest.goals) rows.push({ ...goal, at: newest.finishedAt ?? newest.startedAt });
  }
  if (rows.length === 0) {
    console.log(`no result with targets in ${path.relative(ROOT, RESULTS_DIR)}/ yet: run npm run bench first`);
    return;
  }
  console.log(
    `summary: issue 10's targets, newest result of each scenario in ${path.relative(ROOT, RESULTS_DIR)}/ ` +
      '(each row against the baseline of its own run)\n' +
      goalsTable(rows, { withDate: true }),
  );
  const unmeasured = missing.filter((name) => name !== 'files');
  if (unmeasured.length > 0) console.log(`not measured yet: ${unmeasured.join(', ')}`);
}
