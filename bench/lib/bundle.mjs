// The deploy bundle, as `wrangler deploy --dry-run --outdir <dir>` writes it, and its size
// measured the way wrangler reports "Total Upload: … / gzip: …": every module of the worker
// (the main script and any data or wasm modules next to it, not source maps) joined in one
// buffer and gzipped at zlib's default level. Used by scripts/check-bundle-size.mjs and the
// `bundle` scenario. Offline: a dry run builds and stops before contacting Cloudflare.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** Repository root (bench/lib/../..). */
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Budgets and targets, kept in one place: bench/budgets.json. */
export const BUDGETS_FILE = path.join(ROOT, 'bench', 'budgets.json');

/**
 * @typedef {object} Budgets
 * @property {number} workerGzipBytes the worker's modules gzipped, as wrangler counts them
 * @property {Record<string, number>} targets the ratios and limits of issue 10's table
 */

/** @returns {Budgets} */
export function readBudgets() {
  return JSON.parse(readFileSync(BUDGETS_FILE, 'utf8'));
}

/**
 * @typedef {object} BundleModule
 * @property {string} name file name in the out dir
 * @property {number} bytes
 * @property {number} gzipBytes this module gzipped alone
 */

/**
 * @typedef {object} Bundle
 * @property {string} config wrangler.toml it was built from, relative to the repository
 * @property {string} dir where the modules are (removed by `dispose`, unless given by the caller)
 * @property {string} main the main module's file name
 * @property {BundleModule[]} modules additional modules, then the main one
 * @property {number} bytes all modules
 * @property {number} gzipBytes all modules joined and gzipped (wrangler's figure)
 * @property {string | null} wranglerReported wrangler's own "Total Upload" line, for a cross-check
 * @property {number} buildMs
 * @property {() => void} dispose removes the out dir
 */

/** Out-dir files that are not worker modules. */
const NOT_MODULES = /(\.map|^README\.md)$/;

/**
 * Runs `wrangler deploy --dry-run --outdir <tmp>` for `config` and measures what it wrote.
 * @param {{ config?: string, outdir?: string, timeoutMs?: number }} [options] config defaults to the app's wrangler.toml
 * @returns {Promise<Bundle>}
 */
export async function buildBundle({ config = path.join(ROOT, 'wrangler.toml'), outdir, timeoutMs = 120_000 } = {}) {
  const dir = outdir ?? mkdtempSync(path.join(os.tmpdir(), 'hearth-bundle-'));
  const dispose = () => {
    if (!outdir) rmSync(dir, { recursive: true, force: true });
  };
  const started = performance.now();
  try {
    const output = await run(
      path.join(ROOT, 'node_modules', '.bin', 'wrangler'),
      ['deploy', '--dry-run', '--outdir', dir, '--config', config],
      timeoutMs,
    );
    const buildMs = performance.now() - started;
    const files = readdirSync(dir).filter((name) => !NOT_MODULES.test(name));
    const main = files.find((name) => name === 'index.js') ?? files.find((name) => /\.m?js$/.test(name));
    if (!main) throw new Error(`wrangler wrote no worker module to ${dir} (found: ${files.join(', ') || 'nothing'})`);
    // wrangler joins the additional modules first, then the main one: the same order gives its figure.
    const ordered = [...files.filter((name) => name !== main).sort(), main];
    const contents = ordered.map((name) => readFileSync(path.join(dir, name)));
    return {
      config: path.relative(ROOT, config),
      dir,
      main,
      modules: ordered.map((name, i) => ({
        name,
        bytes: contents[i].byteLength,
        gzipBytes: gzipSync(contents[i]).byteLength,
      })),
      bytes: contents.reduce((total, buffer) => total + buffer.byteLength, 0),
      gzipBytes: gzipSync(Buffer.concat(contents)).byteLength,
      wranglerReported: output.match(/Total Upload: [^\n]*/)?.[0].trim() ?? null,
      buildMs,
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * Runs a command offline and quietly; resolves with its output, rejects with it on failure.
 * @param {string} command
 * @param {string[]} args
 * @param {number} timeoutMs
 * @returns {Promise<string>}
 */
function run(command, args, timeoutMs) {
  const bin = path.join(ROOT, 'node_modules', '.bin');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else {
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ')} failed (${signal ? `signal ${signal}` : `exit code ${code}`}):\n` +
              output.split('\n').slice(-30).join('\n'),
          ),
        );
      }
    });
  });
}

/** Bytes as KiB with two decimals, like wrangler prints them. @param {number} bytes */
export const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;
