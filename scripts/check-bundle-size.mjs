// `node scripts/check-bundle-size.mjs [--budget <bytes>]`: builds the deploy bundle
// (`wrangler deploy --dry-run --outdir <tmp>`, offline), gzips the worker's modules the
// way wrangler counts them, prints the size and exits 1 when it passes the budget in
// bench/budgets.json (`workerGzipBytes`). `--budget` overrides it for one run. A size
// check, not a timing: it gives the same answer on a busy machine.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUDGETS_FILE, buildBundle, kib, readBudgets } from '../bench/lib/bundle.mjs';

const root = path.resolve(import.meta.dirname, '..');

/** @param {string} message */
function fail(message) {
  console.error(`check-bundle-size: ${message}`);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({ options: { budget: { type: 'string' } } }));
} catch (error) {
  console.error(
    `check-bundle-size: ${/** @type {Error} */ (error).message}\nUsage: node scripts/check-bundle-size.mjs [--budget <bytes>]`,
  );
  process.exit(2);
}

const configured = readBudgets().workerGzipBytes;
const budget = values.budget === undefined ? configured : Number(values.budget);
if (!Number.isInteger(budget) || budget <= 0) {
  fail(
    values.budget === undefined
      ? `workerGzipBytes in ${path.relative(root, BUDGETS_FILE)} must be a positive integer, got ${configured}`
      : `--budget must be a positive integer (bytes), got ${values.budget}`,
  );
}
const source = values.budget === undefined ? path.relative(root, BUDGETS_FILE) : '--budget';

let bundle;
try {
  bundle = await buildBundle();
} catch (error) {
  fail(`could not build the bundle: ${/** @type {Error} */ (error).message}`);
}
bundle.dispose();

const modules = bundle.modules.map((m) => `${m.name} ${kib(m.bytes)} (gzip ${kib(m.gzipBytes)})`).join(', ');
console.log(
  `worker bundle: ${kib(bundle.bytes)}, gzip ${kib(bundle.gzipBytes)} (${bundle.gzipBytes} B); ` +
    `budget ${kib(budget)} (${budget} B, ${source})`,
);
console.log(`  modules: ${modules}`);
if (bundle.wranglerReported) console.log(`  wrangler: ${bundle.wranglerReported}`);
if (bundle.gzipBytes > budget) {
  fail(
    `the worker bundle is ${kib(bundle.gzipBytes)} gzipped, ${kib(bundle.gzipBytes - budget)} over its budget of ` +
      `${kib(budget)}. Shrink it (minify, drop unused code, move data out of src/), or, if the growth is meant, ` +
      `raise workerGzipBytes in ${path.relative(root, BUDGETS_FILE)}.`,
  );
}
console.log(`ok: ${kib(budget - bundle.gzipBytes)} under budget`);
