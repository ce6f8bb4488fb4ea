// What the figures were measured on, recorded in every result file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './servers.mjs';

/**
 * Version of the first of these node_modules paths that exists.
 * @param {...string} candidates
 * @returns {string | null}
 */
function packageVersion(...candidates) {
  for (const candidate of candidates) {
    try {
      return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', candidate, 'package.json'), 'utf8')).version;
    } catch {
      // Try the next one.
    }
  }
  return null;
}

/** @param {string[]} args */
function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Machine, toolchain and source revision. The tree may be dirty: others edit it while benchmarks run. */
export function describeEnvironment() {
  const cpus = os.cpus();
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    versions: {
      wrangler: packageVersion('wrangler'),
      // The workerd wrangler runs may be its own copy rather than the hoisted one.
      workerd: packageVersion('wrangler/node_modules/workerd', 'workerd'),
      autocannon: packageVersion('autocannon'),
      hono: packageVersion('hono'),
    },
    git: { commit: git(['rev-parse', 'HEAD']), dirty: status === null ? null : status.length > 0 },
  };
}
