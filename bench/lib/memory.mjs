// Resident memory of a server's processes from /proc (Linux), sampled while
// something runs: shows whether a request body is streamed or held in memory.
// Elsewhere every figure is null.
import { readFileSync, writeFileSync } from 'node:fs';
import { groupProcesses } from './cpu.mjs';

const LINUX = process.platform === 'linux';

/**
 * @typedef {object} ProcessMemory one process, bytes
 * @property {number} pid
 * @property {import('./cpu.mjs').Role} role
 * @property {number} before RSS when sampling started
 * @property {number} peak highest RSS seen in a sample
 * @property {number} after RSS when sampling stopped
 * @property {number | null} hwm VmHWM when sampling stopped: the kernel's own peak RSS since
 *   sampling started (reset through clear_refs), which no sample can miss; null if the reset failed
 */

/**
 * @typedef {object} MemoryReport
 * @property {number} samples how many times /proc was read
 * @property {number} intervalMs mean time between samples
 * @property {ProcessMemory[]} processes
 * @property {Record<string, { before: number, peak: number, after: number, hwm: number | null }>} byRole
 *   summed over the processes of each role (one workerd each for runtime and proxy); `peak` sums each
 *   process's own peak (sampled or VmHWM, whichever is higher)
 * @property {{ before: number, peak: number, after: number }} total every process of the group;
 *   `peak` is the highest sum seen in one sample
 * @property {number} [retriedAfterRestart] set by callers: tries lost to a worker restart before this one
 * @property {{ ms: number, total: number, runtime: number }[]} timeline every sample: ms since the start,
 *   RSS of the whole group and of its runtime workerd(s)
 */

/** @param {string} status @param {string} field */
function kb(status, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/** @param {number} pid */
function readStatus(pid) {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null; // exited
  }
}

/**
 * Resets a process's VmHWM to its current RSS (Linux ≥ 4.0, own processes only).
 * @param {number} pid
 */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts sampling the RSS of every process of a server's group every `intervalMs`.
 * Call the returned `stop()` when the work is done.
 * @param {import('./cpu.mjs').GroupSpec} spec
 * @param {{ intervalMs?: number }} [options]
 * @returns {{ stop: () => MemoryReport | null }}
 */
export function sampleMemory(spec, { intervalMs = 20 } = {}) {
  if (!LINUX) return { stop: () => null };
  const processes = groupProcesses(spec).map(({ pid, role }) => {
    const status = readStatus(pid);
    const rss = status ? (kb(status, 'VmRSS') ?? 0) : 0;
    return { pid, role, before: rss, peak: rss, after: rss, hwmReset: resetPeak(pid) };
  });
  let samples = 0;
  /** @type {MemoryReport['timeline']} */
  const timeline = [];
  let peakTotal = processes.reduce((sum, p) => sum + p.before, 0);
  const started = performance.now();
  const sample = () => {
    let total = 0;
    let runtime = 0;
    for (const p of processes) {
      const status = readStatus(p.pid);
      const rss = status ? (kb(status, 'VmRSS') ?? 0) : 0;
      p.after = rss;
      if (rss > p.peak) p.peak = rss;
      total += rss;
      if (p.role === 'runtime') runtime += rss;
    }
    if (total > peakTotal) peakTotal = total;
    timeline.push({ ms: Math.round(performance.now() - started), total, runtime });
    samples++;
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const elapsed = performance.now() - started;
      /** @type {ProcessMemory[]} */
      const result = processes.map(({ pid, role, before, peak, after, hwmReset }) => {
        const status = hwmReset ? readStatus(pid) : null;
        const hwm = status ? kb(status, 'VmHWM') : null;
        return { pid, role, before, peak: Math.max(peak, hwm ?? 0), after, hwm };
      });
      /** @type {MemoryReport['byRole']} */
      const byRole = {};
      for (const p of result) {
        byRole[p.role] ??= { before: 0, peak: 0, after: 0, hwm: 0 };
        const role = byRole[p.role];
        role.before += p.before;
        role.peak += p.peak;
        role.after += p.after;
        role.hwm = role.hwm === null || p.hwm === null ? null : role.hwm + p.hwm;
      }
      return {
        samples,
        intervalMs: samples ? elapsed / samples : 0,
        processes: result,
        byRole,
        total: {
          before: result.reduce((sum, p) => sum + p.before, 0),
          peak: peakTotal,
          after: result.reduce((sum, p) => sum + p.after, 0),
        },
        timeline,
      };
    },
  };
}
