// Printing tables to stdout and writing result files to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { restarted } from './load.mjs';
import { ROOT } from './servers.mjs';

export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** @param {number | null | undefined} value @param {number} digits */
const fixed = (value, digits) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

export const format = {
  /** Whole numbers with thin grouping: 12 345. */
  count: (/** @type {number} */ value) => Math.round(value).toLocaleString('en-US').replaceAll(',', ' '),
  /** Milliseconds with precision to match their size. */
  ms: (/** @type {number} */ value) => fixed(value, value < 10 ? 2 : value < 100 ? 1 : 0),
  percent: (/** @type {number | null} */ value) => (value === null ? '–' : `${fixed(value, 0)}%`),
  ratio: (/** @type {number | null} */ value) => (value === null ? '–' : `${fixed(value, 2)}×`),
  /** Microseconds, grouped like counts. */
  us: (/** @type {number | null} */ value) => (value === null || !Number.isFinite(value) ? '–' : format.count(value)),
  /** A signed difference in microseconds: +1 234 µs. */
  deltaUs: (/** @type {number | null} */ value) =>
    value === null || !Number.isFinite(value) ? '–' : `${value < 0 ? '−' : '+'}${format.count(Math.abs(value))} µs`,
};

/**
 * @typedef {object} Column
 * @property {string} header
 * @property {'left' | 'right'} [align] default right
 */

/**
 * A plain-text table. `null` in `rows` draws a separator line.
 * @param {Column[]} columns
 * @param {(string[] | null)[]} rows
 */
export function table(columns, rows) {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row ? String(row[i] ?? '').length : 0))),
  );
  const line = (/** @type {string[]} */ cells) =>
    cells
      .map((cell, i) =>
        columns[i].align === 'left' ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('──');
  return [line(columns.map((column) => column.header)), rule, ...rows.map((row) => (row ? line(row) : rule))].join(
    '\n',
  );
}

/** Columns of `measurementRow`. */
export const MEASUREMENT_COLUMNS = /** @type {Column[]} */ ([
  { header: 'target', align: 'left' },
  { header: 'run', align: 'left' },
  { header: 'req/s' },
  { header: 'p50 ms' },
  { header: 'p90 ms' },
  { header: 'p99 ms' },
  { header: 'max ms' },
  { header: 'responses' },
  { header: 'non-2xx' },
  { header: 'errors' },
  { header: 'srv CPU µs/req' },
  { header: 'runtime µs/req' },
  { header: 'loadgen CPU' },
  { header: 'other CPU' },
]);

/**
 * One table row for a measurement.
 * @param {string} target
 * @param {string} run
 * @param {import('./load.mjs').Measurement} m
 */
export function measurementRow(target, run, m) {
  return [
    target,
    restarted(m) ? `${run} *` : run,
    format.count(m.rps),
    format.ms(m.latency.p50),
    format.ms(m.latency.p90),
    format.ms(m.latency.p99),
    format.ms(m.latency.max),
    format.count(m.requests),
    format.count(m.non2xx),
    format.count(m.errors),
    format.us(m.serverCpuUsPerRequest),
    format.us(m.runtimeCpuUsPerRequest),
    format.percent(m.loadgenCpuPercent),
    format.percent(m.backgroundCpuPercent),
  ];
}

/**
 * The run label of a merged row: "all", or how many runs it holds when some were left out.
 * @param {{ used: number, of: number }} counts
 */
export const allLabel = ({ used, of }) => (used === of ? 'all' : `all ${used} clean`);

/** A footnote for rows marked by `measurementRow`, or null when none is. */
export function restartNote(/** @type {import('./load.mjs').Measurement[]} */ measurements) {
  return measurements.some(restarted)
    ? '* wrangler restarted server processes during this run (it reloads the worker when a watched source file ' +
        'changes): expect errors, a latency spike and rebuild CPU. The "all" rows leave such runs out when a target has others.'
    : null;
}

/**
 * Server CPU per response split by process: "runtime 2 386, proxy 2 094, wrangler 1 642, other 15".
 * @param {import('./load.mjs').Measurement} m
 */
export function cpuBreakdown(m) {
  const server = m.cpu.server;
  if (!server || m.requests === 0) return '–';
  return /** @type {const} */ (['runtime', 'proxy', 'wrangler', 'other'])
    .map((role) => `${role} ${format.us((1e6 * server[role]) / m.requests)}`)
    .join(', ');
}

/** Above this much CPU (% of one core) used by other processes, a run's speed says more about them than about us. */
export const BUSY_MACHINE_PERCENT = 25;

/** A warning when other processes kept the machine busy during the runs, or null. */
export function noiseNote(/** @type {import('./load.mjs').Measurement[]} */ measurements) {
  const busiest = Math.max(...measurements.map((m) => m.backgroundCpuPercent ?? 0));
  return busiest > BUSY_MACHINE_PERCENT
    ? `note: other processes used up to ${format.percent(busiest)} CPU during these runs (see "other CPU"), so ` +
        'req/s and latency, and their ratios, are unreliable; the CPU-per-request figures hold up better. ' +
        'Rerun on a quiet machine for speed figures.'
    : null;
}

/**
 * a / b, or null when b is 0 or either is missing.
 * @param {number | null | undefined} a
 * @param {number | null | undefined} b
 */
export function ratio(a, b) {
  return a === null || b === null || a === undefined || b === undefined || b === 0 ? null : a / b;
}

/**
 * a − b, or null when either is missing.
 * @param {number | null} a
 * @param {number | null} b
 */
function difference(a, b) {
  return a === null || b === null ? null : a - b;
}

/**
 * How a target compares with a baseline: throughput ratio (below 1 = slower),
 * latency ratios (above 1 = slower), and the extra server CPU per request.
 * @param {import('./load.mjs').Measurement} target
 * @param {import('./load.mjs').Measurement} baseline
 */
export function compare(target, baseline) {
  return {
    throughputRatio: ratio(target.rps, baseline.rps),
    p50Ratio: ratio(target.latency.p50, baseline.latency.p50),
    p90Ratio: ratio(target.latency.p90, baseline.latency.p90),
    p99Ratio: ratio(target.latency.p99, baseline.latency.p99),
    serverCpuPerRequestRatio: ratio(target.serverCpuUsPerRequest, baseline.serverCpuUsPerRequest),
    runtimeCpuPerRequestRatio: ratio(target.runtimeCpuUsPerRequest, baseline.runtimeCpuUsPerRequest),
    extraServerCpuUsPerRequest: difference(target.serverCpuUsPerRequest, baseline.serverCpuUsPerRequest),
    extraRuntimeCpuUsPerRequest: difference(target.runtimeCpuUsPerRequest, baseline.runtimeCpuUsPerRequest),
  };
}

/**
 * Measurements as JSON: everything but the raw samples.
 * @param {string} key
 * @param {unknown} value
 */
function replacer(key, value) {
  return key === 'samples' ? undefined : value;
}

/**
 * Writes `bench/results/<name>-<timestamp>.json` and returns its path.
 * @param {string} name
 * @param {unknown} data
 */
export function writeResult(name, data) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  const file = path.join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(data, replacer, 2)}\n`);
  return file;
}

/**
 * The app-vs-bare part of a load scenario: settings, response sizes, the rounds table,
 * and the ratio and CPU lines. Scenarios put their own title and extra lines around it.
 * @param {{
 *   settings: { connections: number, pipelining: number, warmupSeconds: number, rounds: number, seconds: number },
 *   responses: { app: { bodyBytes: number, headerBytes: number, headerNames: string[] }, bare: { bodyBytes: number, headerBytes: number, headerNames: string[] } },
 *   rounds: { runs: { round: number, target: string, measurement: import('./load.mjs').Measurement }[], merged: Record<'app' | 'bare', import('./load.mjs').Measurement>, best: Record<'app' | 'bare', import('./load.mjs').Measurement>, mergedFrom: Record<'app' | 'bare', { used: number, of: number }> },
 *   extraHeader?: string[],
 * }} input
 */
export function appVersusBare({ settings, responses, rounds, extraHeader = [] }) {
  const { runs, merged, best, mergedFrom } = rounds;
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
  const { app, bare } = responses;
  const lines = [
    `  ${settings.connections} connections, pipelining ${settings.pipelining}, warm-up ${settings.warmupSeconds} s, ` +
      `${settings.rounds} × ${settings.seconds} s per target, order alternating (ABBA…)`,
    `  responses: app ${app.bodyBytes} B body + ~${app.headerBytes} B in ${app.headerNames.length} headers; ` +
      `bare ${bare.bodyBytes} B body + ~${bare.headerBytes} B in ${bare.headerNames.length} headers`,
    ...extraHeader,
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
  ];
  return { comparison, lines };
}

/**
 * One row of issue 10's table as measured: what, app against bare, the target and whether it is met.
 * @typedef {object} Goal
 * @property {string} id stable key, e.g. "meta-cpu"
 * @property {string} row what is measured
 * @property {string} scenario where it is measured
 * @property {string} measured app vs bare, as printed
 * @property {string} target as printed
 * @property {boolean | null} met null: no target, or nothing to judge by
 * @property {Record<string, unknown>} [values] the figures behind `measured`, for the result file
 * @property {string} [at] when it was measured (ISO), for `npm run bench -- summary`
 */

const MET = { true: 'yes', false: 'NO', null: '–' };

/**
 * The targets table: one line per goal.
 * @param {Goal[]} goals
 * @param {{ withDate?: boolean }} [options] add when each was measured
 */
export function goalsTable(goals, { withDate = false } = {}) {
  /** @type {Column[]} */
  const columns = [
    { header: 'row', align: 'left' },
    { header: 'scenario', align: 'left' },
    ...(withDate ? [/** @type {Column} */ ({ header: 'measured at', align: 'left' })] : []),
    { header: 'app vs bare', align: 'left' },
    { header: 'target', align: 'left' },
    { header: 'met', align: 'left' },
  ];
  const rows = goals.map((goal) => [
    goal.row,
    goal.scenario,
    ...(withDate ? [goal.at ? goal.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '?'] : []),
    goal.measured,
    goal.target,
    MET[String(goal.met)],
  ]);
  const met = goals.filter((goal) => goal.met === true).length;
  const judged = goals.filter((goal) => goal.met !== null).length;
  return `${table(columns, rows)}\n${met} of ${judged} targets met`;
}
