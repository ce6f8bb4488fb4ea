// CPU accounting from /proc (Linux): how much CPU each server used during a run,
// split by process role, and how busy the machine was with anything else.
// Elsewhere every figure is null. Resolution is one clock tick (usually 10 ms).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const LINUX = process.platform === 'linux';
let ticksPerSecond = 0;

function tick() {
  if (!ticksPerSecond) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return 1 / ticksPerSecond;
}

/**
 * @typedef {'runtime' | 'proxy' | 'wrangler' | 'other'} Role
 * runtime: the workerd running the worker under test; proxy: the workerd wrangler
 * puts in front of it on the public port; wrangler: its node processes (CLI, log
 * output); other: the rest (esbuild's watch service).
 */

/**
 * @typedef {object} GroupSpec a server's process group
 * @property {number} pgid
 * @property {number} port its public port, to tell wrangler's proxy workerd from the runtime
 */

/**
 * @typedef {object} ProcessCpu
 * @property {Role} role
 * @property {number} seconds CPU used since the process started
 */

/**
 * @typedef {object} CpuSnapshot
 * @property {number} at seconds, monotonic
 * @property {number | null} machineBusy CPU seconds all cores spent busy since boot
 * @property {number} self this process (the load generator)
 * @property {Record<number, Map<number, ProcessCpu>>} groups pgid → pid → CPU
 */

/** @param {string} file */
function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // the process exited meanwhile, or no /proc
  }
}

/** @returns {Record<Role, number>} */
const emptyRoles = () => ({ runtime: 0, proxy: 0, wrangler: 0, other: 0 });

/**
 * @param {string} comm
 * @param {number} pid
 * @param {number} port
 * @returns {Role}
 */
function roleOf(comm, pid, port) {
  if (comm === 'node') return 'wrangler';
  if (comm !== 'workerd') return 'other';
  // wrangler's proxy listens on the public port: `--socket-addr=entry=127.0.0.1:<port>`.
  const cmdline = readText(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ') ?? '';
  return /entry=\S*:(\d+)/.exec(cmdline)?.[1] === String(port) ? 'proxy' : 'runtime';
}

/** Roles are stable per pid, and reading cmdline is the slow part. */
const roleCache = new Map();

/**
 * The live processes of one server's group, with their roles (Linux; elsewhere empty).
 * @param {GroupSpec} spec
 * @returns {{ pid: number, comm: string, role: Role }[]}
 */
export function groupProcesses(spec) {
  if (!LINUX) return [];
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const line = readText(`/proc/${entry}/stat`);
    if (!line) continue;
    const close = line.lastIndexOf(')');
    if (Number(line.slice(close + 2).split(' ')[2]) !== spec.pgid) continue;
    const pid = Number(entry);
    const comm = line.slice(line.indexOf('(') + 1, close);
    const key = `${pid}:${comm}`;
    let role = roleCache.get(key);
    if (!role) {
      role = roleOf(comm, pid, spec.port);
      roleCache.set(key, role);
    }
    found.push({ pid, comm, role });
  }
  return found;
}

/**
 * CPU used so far by every live process of the given groups, this process and the machine.
 * @param {GroupSpec[]} specs
 * @returns {CpuSnapshot}
 */
export function cpuSnapshot(specs) {
  const usage = process.cpuUsage();
  /** @type {CpuSnapshot} */
  const snapshot = {
    at: performance.now() / 1000,
    machineBusy: null,
    self: (usage.user + usage.system) / 1e6,
    groups: Object.fromEntries(specs.map((spec) => [spec.pgid, new Map()])),
  };
  if (!LINUX) return snapshot;

  const stat = readText('/proc/stat');
  const cpuLine = stat?.split('\n', 1)[0].split(/\s+/).slice(1).map(Number);
  if (cpuLine) {
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = cpuLine;
    snapshot.machineBusy = (user + nice + system + irq + softirq + (steal ?? 0)) * tick();
  }

  const portOf = new Map(specs.map((spec) => [spec.pgid, spec.port]));
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return snapshot;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const line = readText(`/proc/${entry}/stat`);
    if (!line) continue;
    // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …"
    const close = line.lastIndexOf(')');
    const fields = line.slice(close + 2).split(' ');
    const pgid = Number(fields[2]);
    const port = portOf.get(pgid);
    if (port === undefined) continue;
    const pid = Number(entry);
    const comm = line.slice(line.indexOf('(') + 1, close);
    const key = `${pid}:${comm}`;
    let role = roleCache.get(key);
    if (!role) {
      role = roleOf(comm, pid, port);
      roleCache.set(key, role);
    }
    snapshot.groups[pgid].set(pid, { role, seconds: (Number(fields[11]) + Number(fields[12])) * tick() });
  }
  return snapshot;
}

/**
 * @typedef {object} CpuUsage CPU seconds used between two snapshots
 * @property {number} seconds wall time between them
 * @property {(Record<Role, number> & { total: number, started: number, exited: number }) | null} server
 *   the measured server's group; `started`/`exited` count its processes that came or went meanwhile
 *   (wrangler restarting the worker after a source edit): an exited process's last CPU is missing
 * @property {number} loadgen this process
 * @property {number | null} background everything on the machine outside the benchmark's own processes
 */

/**
 * CPU each process of a group used between two snapshots; processes that
 * started in between count from zero.
 * @param {Map<number, ProcessCpu> | undefined} before
 * @param {Map<number, ProcessCpu> | undefined} after
 */
function groupUsage(before = new Map(), after = new Map()) {
  const roles = emptyRoles();
  let started = 0;
  for (const [pid, { role, seconds }] of after) {
    const previous = before.get(pid);
    if (!previous) started++;
    roles[role] += seconds - (previous?.seconds ?? 0);
  }
  const exited = [...before.keys()].filter((pid) => !after.has(pid)).length;
  return { ...roles, total: roles.runtime + roles.proxy + roles.wrangler + roles.other, started, exited };
}

/**
 * @param {CpuSnapshot} before
 * @param {CpuSnapshot} after
 * @param {number} pgid the server being measured
 * @returns {CpuUsage}
 */
export function cpuUsage(before, after, pgid) {
  const server = LINUX ? groupUsage(before.groups[pgid], after.groups[pgid]) : null;
  let ours = after.self - before.self;
  for (const group of Object.keys(after.groups)) {
    ours += groupUsage(before.groups[Number(group)], after.groups[Number(group)]).total;
  }
  const background =
    before.machineBusy === null || after.machineBusy === null
      ? null
      : Math.max(0, after.machineBusy - before.machineBusy - ours);
  return { seconds: after.at - before.at, server, loadgen: after.self - before.self, background };
}
