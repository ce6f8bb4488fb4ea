// The rows of issue 10's table, each measured app against the bare baseline of the same run
// and judged against its target. Targets live in bench/budgets.json; scenarios build their
// rows here and bench/run.mjs prints them (lib/report.mjs `goalsTable`).
import { kib, readBudgets } from './bundle.mjs';
import { format, ratio } from './report.mjs';

const budgets = readBudgets();
export const TARGETS = budgets.targets;

/** @param {number | null} value @param {number} limit */
const atMost = (value, limit) => (value === null ? null : value <= limit);
/** @param {number | null} value @param {number} limit */
const atLeast = (value, limit) => (value === null ? null : value >= limit);

/**
 * A CPU-per-request row of a load scenario (`appVersusBare`'s comparison and merged runs).
 * @param {'meta-cpu' | 'me-cpu'} id
 * @param {{ app: import('./load.mjs').Measurement, bare: import('./load.mjs').Measurement }} merged
 * @returns {import('./report.mjs').Goal}
 */
export function cpuGoal(id, merged) {
  const limit = id === 'meta-cpu' ? TARGETS.metaRuntimeCpuRatio : TARGETS.meRuntimeCpuRatio;
  const app = merged.app.runtimeCpuUsPerRequest;
  const bare = merged.bare.runtimeCpuUsPerRequest;
  const cpuRatio = ratio(app, bare);
  const throughput = ratio(merged.app.rps, merged.bare.rps);
  return {
    id,
    row:
      id === 'meta-cpu'
        ? "GET /api/meta: CPU per request, worker's workerd"
        : "GET /api/users/me (Bearer): CPU per request, worker's workerd",
    scenario: id === 'meta-cpu' ? 'http-json' : 'auth',
    measured: `${format.us(app)} vs ${format.us(bare)} µs (${format.ratio(cpuRatio)}); ${format.ratio(throughput)} req/s`,
    target: `≤ ${limit}× CPU`,
    met: atMost(cpuRatio, limit),
    values: { appUs: app, bareUs: bare, cpuRatio, throughputRatio: throughput },
  };
}

/**
 * @typedef {object} RoomFigures what the room rows need of a run (lib/rooms-load.mjs RoomMeasurement)
 * @property {number} clients
 * @property {number} senders
 * @property {number} sendRate
 * @property {number} connectMs
 * @property {import('./load.mjs').LatencySummary} latency
 * @property {number | null} serverCpuUsPerDelivery
 * @property {number} lost
 * @property {number} duplicates
 * @property {number} outOfOrder
 */

/** @param {RoomFigures} m */
const clean = (m) => m.lost === 0 && m.duplicates === 0 && m.outOfOrder === 0;

/**
 * "room, 200 clients, 10 senders × 4 msg/s": hold p50, p99 and CPU per delivery near the bare object's.
 * @param {RoomFigures} app
 * @param {RoomFigures} bare
 * @returns {import('./report.mjs').Goal}
 */
export function roomHoldGoal(app, bare) {
  const limit = TARGETS.roomHoldRatio;
  const p50 = ratio(app.latency.p50, bare.latency.p50);
  const p99 = ratio(app.latency.p99, bare.latency.p99);
  const cpu = ratio(app.serverCpuUsPerDelivery, bare.serverCpuUsPerDelivery);
  const ratios = [p50, p99, cpu];
  return {
    id: 'room-hold',
    row: `room, ${app.clients} clients, ${app.senders} senders × ${format.count(app.sendRate / app.senders)} msg/s`,
    scenario: 'rooms',
    measured:
      `p50 ${format.ms(app.latency.p50)} vs ${format.ms(bare.latency.p50)} ms (${format.ratio(p50)}), ` +
      `p99 ${format.ms(app.latency.p99)} vs ${format.ms(bare.latency.p99)} ms (${format.ratio(p99)}), ` +
      `CPU/delivery ${format.ratio(cpu)}${clean(app) && clean(bare) ? '' : '; messages LOST, DUPLICATED or REORDERED'}`,
    target: `hold ≈ 1.0–${limit}×`,
    met: ratios.some((r) => r === null) ? null : ratios.every((r) => /** @type {number} */ (r) <= limit) && clean(app),
    values: { p50Ratio: p50, p99Ratio: p99, cpuPerDeliveryRatio: cpu },
  };
}

/**
 * "200 clients joining one room": the app's join time against the bare object's.
 * @param {RoomFigures} app
 * @param {RoomFigures} bare
 * @returns {import('./report.mjs').Goal}
 */
export function roomJoinGoal(app, bare) {
  const limit = TARGETS.roomJoinRatio;
  const joinRatio = ratio(app.connectMs, bare.connectMs);
  return {
    id: 'room-join',
    row: `${app.clients} clients joining one room`,
    scenario: 'rooms',
    measured: `${(app.connectMs / 1000).toFixed(2)} vs ${(bare.connectMs / 1000).toFixed(2)} s (${format.ratio(joinRatio)})`,
    target: `≤ ${limit}×`,
    met: atMost(joinRatio, limit),
    values: { appMs: app.connectMs, bareMs: bare.connectMs, ratio: joinRatio },
  };
}

/**
 * @typedef {object} Capacity one target's result of the rooms-capacity ladder
 * @property {number | null} deliveredPerSecond highest sustained (a step with nothing lost, p99 within the limit)
 * @property {boolean} limitReached whether a step failed (else the ladder ended first: capacity is at least this)
 * @property {boolean} clean no loss, duplicate or reorder in the sustained steps
 */

/**
 * "room, 200 clients, load raised until a target loses messages or its p99 passes 100 ms".
 * @param {number} clients
 * @param {Capacity} app
 * @param {Capacity} bare
 * @returns {import('./report.mjs').Goal}
 */
export function roomCapacityGoal(clients, app, bare) {
  const limit = TARGETS.roomCapacityRatio;
  const capacityRatio = ratio(app.deliveredPerSecond, bare.deliveredPerSecond);
  const figure = (/** @type {Capacity} */ c) =>
    c.deliveredPerSecond === null ? 'none' : `${c.limitReached ? '' : '≥ '}${format.count(c.deliveredPerSecond)}`;
  // With neither limit found, the ratio is of two lower bounds: judge only when the bare object's is known,
  // or the app kept up with everything offered. With no sustained step on the bare object (a machine too busy
  // for even the first step), there is nothing to compare with.
  const judgeable = bare.deliveredPerSecond !== null && (bare.limitReached || !app.limitReached);
  return {
    id: 'room-capacity',
    row: `room, ${clients} clients, load raised to the first loss or p99 > ${TARGETS.roomCapacityP99Ms} ms`,
    scenario: 'rooms-capacity',
    measured:
      `${figure(app)} vs ${figure(bare)} delivered/s (${format.ratio(capacityRatio)})` +
      (app.clean && bare.clean ? ', 0 lost/dup/reordered' : ', messages LOST, DUPLICATED or REORDERED'),
    target: `≥ ${limit}× bare, 0 lost/dup/reordered`,
    met: judgeable ? (atLeast(capacityRatio, limit) ?? false) && app.clean : null,
    values: { app, bare, ratio: capacityRatio },
  };
}

/**
 * "worker bundle": gzip size against the budget (bench/budgets.json, the one scripts/check-bundle-size.mjs enforces).
 * @param {import('./bundle.mjs').Bundle} bundle
 * @returns {import('./report.mjs').Goal}
 */
export function bundleGoal(bundle) {
  return {
    id: 'bundle',
    row: 'worker bundle (wrangler deploy --dry-run)',
    scenario: 'bundle',
    measured: `${kib(bundle.bytes)}, ${kib(bundle.gzipBytes)} gzip`,
    target: `≤ ${kib(budgets.workerGzipBytes)} gzip`,
    met: bundle.gzipBytes <= budgets.workerGzipBytes,
    values: { bytes: bundle.bytes, gzipBytes: bundle.gzipBytes, budgetBytes: budgets.workerGzipBytes },
  };
}

/**
 * "start-up": module evaluation, reported against the bare worker's (no target).
 * @param {{ readyMs: number, firstMs: number, readyCpuMs: number | null }} app medians
 * @param {{ readyMs: number, firstMs: number, readyCpuMs: number | null }} bare medians
 * @returns {import('./report.mjs').Goal}
 */
export function startupGoal(app, bare) {
  return {
    id: 'startup',
    row: 'start-up: fresh workerd ready, then first request',
    scenario: 'bundle',
    measured:
      `ready ${format.count(app.readyMs)} vs ${format.count(bare.readyMs)} ms (+${format.count(app.readyMs - bare.readyMs)} ms), ` +
      `first request ${format.ms(app.firstMs)} vs ${format.ms(bare.firstMs)} ms` +
      (app.readyCpuMs === null || bare.readyCpuMs === null
        ? ''
        : `; runtime CPU to ready ${format.count(app.readyCpuMs)} vs ${format.count(bare.readyCpuMs)} ms`),
    target: 'report',
    met: null,
    values: { app, bare },
  };
}
