// `npm run dev`: apply the local D1 migrations, then serve the API and the web app
// offline under Miniflare. wrangler runs the web build itself ([build] in wrangler.toml).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
const extra = process.argv.slice(2);
const persist = extra.includes('--persist-to') ? ['--persist-to', extra[extra.indexOf('--persist-to') + 1]] : [];
// Local development needs no account: keep wrangler from phoning home.
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const port = extra.includes('--port') ? extra[extra.indexOf('--port') + 1] : '8787';

function run(args) {
  const result = spawnSync(wrangler, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(['d1', 'migrations', 'apply', 'DB', '--local', ...persist]);
run([
  'dev',
  '--var',
  'ENVIRONMENT:development',
  '--var',
  `APP_URL:${process.env.APP_URL ?? `http://localhost:${port}`}`,
  '--var',
  `ALLOWED_ORIGINS:http://127.0.0.1:${port}`,
  ...extra,
]);
