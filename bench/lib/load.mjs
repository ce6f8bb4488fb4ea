// Load generation: a thin wrapper over autocannon (programmatic, in this process).
//
// autocannon's own latency histogram keeps whole milliseconds, which is too coarse
// for fast local responses, so each 2xx response time (fractional ms,
// from process.hrtime) is kept here and percentiles are computed exactly. Keeping
// the samples also lets rounds be merged into one distribution.
import { setTimeout as sleep } from 'node:timers/promises';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { cpuSnapshot, cpuUsage } from './cpu.mjs';
import { liveGroups } from './servers.mjs';

/**
 * @typedef {object} LatencySummary all in milliseconds, over 2xx responses
 * @property {number} count
 * @property {number} mean
 * @property {number} p50
 * @property {number} p90
 * @property {number} p99
 * @property {number} p999
 * @property {number} max
 */

/**
 * @typedef {object} Measurement one autocannon run against one URL
 * @property {string} label
 * @property {number} seconds how long the load ran (autocannon's measured duration)
 * @property {number} requests completed responses (any status)
 * @property {number} rps completed responses per second
 * @property {number} ok 2xx responses
 * @property {number} non2xx
 * @property {number} errors connection errors, timeouts included
 * @property {number} timeouts
 * @property {Record<string, number>} statusCodes
 * @property {LatencySummary} latency
 * @property {import('./cpu.mjs').CpuUsage} cpu CPU seconds used during the run: server by role, load generator, everything else
 * @property {number | null} serverCpuUsPerRequest CPU of the server's whole process group per response, µs
 * @property {number | null} runtimeCpuUsPerRequest CPU of the workerd running the worker per response, µs
 * @property {number | null} serverCpuPercent the server's CPU use, % of one core
 * @property {number} loadgenCpuPercent this process (autocannon), % of one core
 * @property {number | null} backgroundCpuPercent other processes on the machine, % of one core
 * @property {string | null} firstError
 * @property {Float64Array} samples 2xx latencies, ms (not written to results)
 */

/**
 * @typedef {object} LoadOptions
 * @property {string} url
 * @property {number} connections concurrent keep-alive connections (closed loop)
 * @property {number} seconds
 * @property {number} [pipelining]
 * @property {string} [method]
 * @property {Record<string, string>} [headers]
 * @property {string | Buffer} [body]
 * @property {number} [timeoutSeconds] per request
 * @property {{ pid: number }} [server] its process group's CPU is reported
 * @property {string} [label]
 */

/**
 * Percentile by nearest rank over sorted values.
 * @param {Float64Array} sorted
 * @param {number} p
 */
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * @param {Float64Array} samples
 * @returns {LatencySummary}
 */
export function summarizeLatency(samples) {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    mean: sorted.length ? sum / sorted.length : 0,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1] : 0,
  };
}

/** A growable Float64Array. */
function sampleBuffer() {
  let data = new Float64Array(1 << 16);
  let length = 0;
  return {
    push(/** @type {number} */ value) {
      if (length === data.length) {
        const bigger = new Float64Array(data.length * 2);
        bigger.set(data);
        data = bigger;
      }
      data[length++] = value;
    },
    values: () => data.slice(0, length),
  };
}

/**
 * Runs autocannon for `seconds` and returns what it saw.
 * @param {LoadOptions} options
 * @returns {Promise<Measurement>}
 */
export async function measure({
  url,
  connections,
  seconds,
  pipelining = 1,
  method = 'GET',
  headers,
  body,
  timeoutSeconds = 10,
  server,
  label = url,
}) {
  const samples = sampleBuffer();
  /** @type {string | null} */
  let firstError = null;
  const groups = liveGroups();
  const cpuBefore = cpuSnapshot(groups);

  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    pipelining,
    method,
    timeout: timeoutSeconds,
    // autocannon copies keys over its defaults, undefined ones included.
    ...(headers && { headers }),
    ...(body !== undefined && { body }),
  });
  /** @type {(client: unknown, statusCode: number, bytes: number, responseTime: number) => void} */
  const onResponse = (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
  };
  instance.on('response', onResponse);
  instance.on('reqError', (/** @type {Error | undefined} */ error) => {
    firstError ??= error?.message ?? String(error);
  });
  const result = await instance;

  const cpu = cpuUsage(cpuBefore, cpuSnapshot(groups), server?.pid ?? -1);

  return withDerived({
    label,
    seconds: result.duration,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    latency: summarizeLatency(samples.values()),
    cpu,
    firstError,
    samples: samples.values(),
  });
}

/**
 * Adds the rates computed from counts and times.
 * @param {Omit<Measurement, 'rps' | 'serverCpuUsPerRequest' | 'runtimeCpuUsPerRequest' | 'serverCpuPercent' | 'loadgenCpuPercent' | 'backgroundCpuPercent'>} m
 * @returns {Measurement}
 */
function withDerived(m) {
  const { seconds, requests, cpu } = m;
  const perRequest = (/** @type {number | undefined} */ cpuSeconds) =>
    cpuSeconds === undefined || requests === 0 ? null : (1e6 * cpuSeconds) / requests;
  const percent = (/** @type {number | null | undefined} */ cpuSeconds) =>
    cpuSeconds === null || cpuSeconds === undefined ? null : (100 * cpuSeconds) / cpu.seconds;
  return {
    ...m,
    rps: requests / seconds,
    serverCpuUsPerRequest: perRequest(cpu.server?.total),
    runtimeCpuUsPerRequest: perRequest(cpu.server?.runtime),
    serverCpuPercent: percent(cpu.server?.total),
    loadgenCpuPercent: /** @type {number} */ (percent(cpu.loadgen)),
    backgroundCpuPercent: percent(cpu.background),
  };
}

/**
 * Adds up CPU usage of several runs.
 * @param {import('./cpu.mjs').CpuUsage[]} usages
 * @returns {import('./cpu.mjs').CpuUsage}
 */
function sumCpu(usages) {
  const total = (/** @type {(u: import('./cpu.mjs').CpuUsage) => number | null | undefined} */ pick) =>
    usages.some((usage) => pick(usage) === null || pick(usage) === undefined)
      ? null
      : usages.reduce((sum, usage) => sum + (pick(usage) ?? 0), 0);
  const server = usages.every((usage) => usage.server)
    ? {
        runtime: total((u) => u.server?.runtime) ?? 0,
        proxy: total((u) => u.server?.proxy) ?? 0,
        wrangler: total((u) => u.server?.wrangler) ?? 0,
        other: total((u) => u.server?.other) ?? 0,
        total: total((u) => u.server?.total) ?? 0,
        started: total((u) => u.server?.started) ?? 0,
        exited: total((u) => u.server?.exited) ?? 0,
      }
    : null;
  return {
    seconds: total((u) => u.seconds) ?? 0,
    server,
    loadgen: total((u) => u.loadgen) ?? 0,
    background: total((u) => u.background),
  };
}

/**
 * Several measurements of the same target as one: counts and times summed,
 * latency percentiles over all samples together.
 * @param {Measurement[]} runs
 * @param {string} label
 * @returns {Measurement}
 */
export function mergeMeasurements(runs, label) {
  const sum = (/** @type {(m: Measurement) => number} */ pick) => runs.reduce((total, run) => total + pick(run), 0);
  const samples = new Float64Array(sum((run) => run.samples.length));
  let offset = 0;
  for (const run of runs) {
    samples.set(run.samples, offset);
    offset += run.samples.length;
  }
  /** @type {Record<string, number>} */
  const statusCodes = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  return withDerived({
    label,
    seconds: sum((run) => run.seconds),
    requests: sum((run) => run.requests),
    ok: sum((run) => run.ok),
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    statusCodes,
    latency: summarizeLatency(samples),
    cpu: sumCpu(runs.map((run) => run.cpu)),
    firstError: runs.find((run) => run.firstError)?.firstError ?? null,
    samples,
  });
}

/** Whether server processes came or went during the measurement (wrangler restarted the worker). */
export function restarted(/** @type {Measurement} */ m) {
  return Boolean(m.cpu.server && (m.cpu.server.started > 0 || m.cpu.server.exited > 0));
}

/** A short pause between runs so sockets close and the runtime settles. */
export const settle = (ms = 1000) => sleep(ms);
