// `npm run admin -- grant|revoke <email> [--remote] [--persist-to <dir>]`: gives or takes the
// built-in admin role straight in D1 through wrangler, for the first admin of a deployment
// or when no admin can sign in. Local by default; --remote changes the deployed database.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const USAGE = `Usage: npm run admin -- <grant|revoke> <email> [--remote] [--persist-to <dir>]

  grant   give the admin role to the account with this email
  revoke  take the admin role away from it

  --remote          change the deployed D1 database (needs wrangler login) instead of the local one
  --persist-to dir  the local state directory, as given to wrangler dev / d1 migrations apply`;

const ADMIN_ROLE_ID = 'role_admin';
// The app's own id format (src/lib/ids.ts): 10 characters of milliseconds, 16 random, Crockford base32.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

const root = path.resolve(import.meta.dirname, '..');
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler');

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

function parseArgs(argv) {
  const positional = [];
  let remote = false;
  let persistTo;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--remote') remote = true;
    else if (arg === '--local') remote = false;
    else if (arg === '--persist-to') {
      persistTo = argv[++i];
      if (!persistTo) fail(`--persist-to needs a directory.\n\n${USAGE}`, 2);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--')) fail(`Unknown option ${arg}.\n\n${USAGE}`, 2);
    else positional.push(arg);
  }
  const [command, email, ...rest] = positional;
  if (command !== 'grant' && command !== 'revoke') fail(USAGE, 2);
  if (!email || rest.length > 0) fail(USAGE, 2);
  if (remote && persistTo) fail('--persist-to applies to the local database only; drop it or --remote.', 2);
  return { command, email, remote, persistTo };
}

/** The app's normal form (src/features/users/users.service.ts normalizeEmail): trimmed, NFKC, lower case. */
function normalizeEmail(email) {
  return email.trim().normalize('NFKC').toLowerCase();
}

// Stricter than the app on purpose: the address ends up inside an SQL string, so only
// characters that can never close or escape one are let through (no quotes, no backslash).
const SAFE_EMAIL = /^(?!\.)(?!.*\.\.)[a-z0-9_+.-]*[a-z0-9_+-]@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

function newId() {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const tail = Array.from(randomBytes(16), (byte) => ALPHABET[byte & 31]).join('');
  return head + tail;
}

function d1(target, sql, { json = false } = {}) {
  const args = ['d1', 'execute', 'DB', target.remote ? '--remote' : '--local', '--command', sql];
  if (target.persistTo) args.push('--persist-to', target.persistTo);
  if (json) args.push('--json');
  const result = spawnSync(wrangler, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // Local runs need no account: keep wrangler from phoning home.
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  if (result.error) fail(`Could not run wrangler: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`wrangler d1 execute failed (exit ${result.status}):\n${result.stdout ?? ''}${result.stderr ?? ''}`.trim());
  }
  if (!json) return null;
  try {
    return JSON.parse(result.stdout)[0]?.results ?? [];
  } catch {
    fail(`Unexpected output from wrangler:\n${result.stdout}`);
  }
}

const { command, email: rawEmail, ...target } = parseArgs(process.argv.slice(2));
const email = normalizeEmail(rawEmail);
if (email.length > 254 || !SAFE_EMAIL.test(email)) {
  fail(`"${rawEmail}" is not an email address this script accepts (letters, digits and . _ + - only; no quotes).`, 2);
}
const where = target.remote ? 'remote' : 'local';

const [user] = d1(
  target,
  `SELECT id, status, EXISTS (SELECT 1 FROM user_roles WHERE user_id = users.id AND role_id = '${ADMIN_ROLE_ID}') AS is_admin FROM users WHERE email = '${email}'`,
  { json: true },
);
if (!user) fail(`No user has the email ${email} in the ${where} database. They must sign up first.`);
if (!/^[0-9a-z_]+$/.test(String(user.id))) fail(`Unexpected user id ${JSON.stringify(user.id)}.`);

const at = Date.now();
const auditRow = (action) =>
  `INSERT INTO audit_log (id, at, action, outcome, actor_id, target_type, target_id, ip, user_agent, details) VALUES ('${newId()}', ${at}, '${action}', 'success', NULL, 'user', '${user.id}', NULL, 'scripts/admin.mjs', '{"roleId":"${ADMIN_ROLE_ID}","via":"cli"}')`;

if (command === 'grant') {
  if (user.is_admin) {
    console.log(`${email} is already an admin (${where}). Nothing changed.`);
    process.exit(0);
  }
  d1(
    target,
    `INSERT INTO user_roles (user_id, role_id, granted_by, granted_at) VALUES ('${user.id}', '${ADMIN_ROLE_ID}', NULL, ${at}) ON CONFLICT DO NOTHING; ${auditRow('admin.role_grant')}`,
  );
  console.log(`Granted admin to ${email} (${where}). It holds from their next request.`);
  if (user.status !== 'active') console.log('Note: this account is deactivated and cannot sign in until reactivated.');
} else {
  if (!user.is_admin) {
    console.log(`${email} is not an admin (${where}). Nothing changed.`);
    process.exit(0);
  }
  d1(
    target,
    `DELETE FROM user_roles WHERE user_id = '${user.id}' AND role_id = '${ADMIN_ROLE_ID}'; ${auditRow('admin.role_revoke')}`,
  );
  console.log(`Revoked admin from ${email} (${where}). It holds from their next request.`);
  const [left] = d1(
    target,
    `SELECT count(*) AS n FROM user_roles JOIN users ON users.id = user_roles.user_id WHERE role_id = '${ADMIN_ROLE_ID}' AND users.status = 'active'`,
    { json: true },
  );
  if (left && Number(left.n) === 0) {
    console.log('Warning: no active admin is left. Grant one with: npm run admin -- grant <email>');
  }
}
