// `npm run dev`: apply the local D1 migrations, then serve the API and the web app
// offline under Miniflare. wrangler runs the web build itself ([build] in wrangler.toml).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');
const extra = process.argv.slice(2);
// Local development needs no account: keep wrangler from phoning home.
// Nor fetch the Request.cf sample from workers.cloudflare.com: offline that prints a stack trace,
// and Miniflare's built-in sample serves just as well.
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

/** The value of `--name value` or `--name=value` among the extra arguments. */
function option(name) {
  const at = extra.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (at < 0) return undefined;
  return extra[at].includes('=') ? extra[at].slice(name.length + 1) : extra[at + 1];
}

const port = option('--port') ?? '8787';
const persistTo = option('--persist-to');

const migrate = spawnSync(
  wrangler,
  ['d1', 'migrations', 'apply', 'DB', '--local', ...(persistTo ? ['--persist-to', persistTo] : [])],
  { cwd: root, stdio: 'inherit', env },
);
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(
  wrangler,
  [
    'dev',
    '--var',
    'ENVIRONMENT:development',
    '--var',
    `APP_URL:${process.env.APP_URL ?? `http://localhost:${port}`}`,
    '--var',
    `ALLOWED_ORIGINS:http://127.0.0.1:${port}`,
    ...extra,
  ],
  { cwd: root, stdio: 'inherit', env },
);
// Stopping this script stops wrangler (and its workerd) with it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
