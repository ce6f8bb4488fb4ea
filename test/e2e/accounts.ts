import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Granted `admin` once verified: global-setup starts the app with `ADMIN_EMAILS` set to it. */
export const ADMIN_EMAIL = 'admin@e2e.test';

/** An OpenID Connect provider configured for the run; the tests never follow it off-site. */
export const E2E_OIDC_PROVIDERS = [
  { id: 'linkedin', name: 'LinkedIn', issuer: 'https://www.linkedin.com/oauth', clientId: 'e2e-client' },
];

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** A fresh address per call, so tests share one database without meeting each other. */
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@e2e.test`;
}

interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  body: string;
}

/**
 * The newest development-outbox message to `to` whose body matches `pattern`,
 * waiting for it: some mail (password reset) is sent from the queue consumer.
 */
export async function waitForMessage(baseUrl: string, to: string, pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/api/dev/outbox`);
    if (!res.ok) throw new Error(`GET /api/dev/outbox answered ${res.status}`);
    const { items } = (await res.json()) as { items: OutboxMessage[] };
    for (const message of items.toReversed()) {
      const match = message.to === to ? pattern.exec(message.body) : null;
      if (match) return match;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no outbox message to ${to} matching ${pattern}`);
}

/** The path and query of an emailed app link (`/reset-password?token=…`), to open on the app under test. */
export async function emailedLink(baseUrl: string, to: string, pathname: string): Promise<string> {
  const [link] = await waitForMessage(baseUrl, to, new RegExp(`https?://\\S+${pathname}\\?token=[\\w-]+`));
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/**
 * A network address of its own, sent as `CF-Connecting-IP` (local dev passes a client's header
 * through, as Cloudflare's edge sets it). Each browser context and API client is then one person
 * on their own network, as in life: the per-network sign-up and code limits apply to each, not to
 * the whole test run sharing 127.0.0.1.
 */
export function ownNetwork(): Record<string, string> {
  const [a = 1, b = 1, c = 1] = crypto.getRandomValues(new Uint8Array(3));
  return { 'cf-connecting-ip': `10.${a}.${b}.${Math.max(1, c)}` };
}

/** Creates an account through the API (not the UI); returns its access token. */
export async function registerByApi(baseUrl: string, email: string, name: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...ownNetwork() },
    body: JSON.stringify({ email, password: PASSWORD, name }),
  });
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

export async function signUp(page: Page, { name, email }: { name: string; email: string }) {
  await page.goto('/sign-up');
  await page.getByTestId('field-name').fill(name);
  await page.getByTestId('field-email').fill(email);
  await page.getByTestId('field-password').fill(PASSWORD);
  await page.getByTestId('submit').click();
  // Attached, not visible: on a phone the account links sit in the closed Menu.
  await page.getByTestId('nav-user-name').waitFor({ state: 'attached' });
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  if (new URL(page.url()).pathname !== '/sign-in') await page.goto('/sign-in');
  await page.getByTestId('field-email').fill(email);
  await page.getByTestId('field-password').fill(password);
  await page.getByTestId('submit').click();
}

/**
 * Signs in through the phone-code flow of the sign-in page. Phone accounts do not
 * spend the sign-up allowance per network (10 an hour), which the other tests need.
 */
export async function signInWithPhone(page: Page, baseUrl: string, phone: string, options: { here?: boolean } = {}) {
  // `here`: on the sign-in page the app already sent the person to, keeping its `next`.
  if (!options.here) await page.goto('/sign-in');
  await page.getByTestId('switch-method').click();
  await page.getByTestId('field-phone').pressSequentially(phone);
  await page.getByTestId('send-code').click();
  await page.getByTestId('code-sent').waitFor();
  const [, code] = await waitForMessage(baseUrl, phone, /(\d{6})/);
  // Typed where the focus went, as a person does.
  await page.keyboard.type(code ?? '');
  await page.getByTestId('verify-code').click();
  // Attached, not visible: on a phone the account links sit in the closed Menu.
  await page.getByTestId('nav-user-name').waitFor({ state: 'attached' });
}

/**
 * Clicks a header link or button as a person would: on a phone the nav is
 * behind the Menu button, which is tapped first.
 */
export async function clickNav(page: Page, testId: string) {
  const menu = page.getByTestId('nav-menu');
  if ((await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
  await page.getByTestId(testId).click();
}

/** A phone number no other test uses. */
export function uniquePhone(countryPrefix: string): string {
  counter += 1;
  return `${countryPrefix}${String((Date.now() + counter) % 100_000).padStart(5, '0')}`;
}

/** Everything a script can read from this page's storage: the access token must be none of it. */
export function scriptReadableStorage(page: Page): Promise<string> {
  return page.evaluate(() =>
    JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }),
  );
}

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * The local state directory of the app global-setup started, read from its
 * command line: admin rights come from ADMIN_EMAILS or the admin CLI, and
 * both need an email account, which would spend the sign-up allowance.
 */
async function persistDirOf(baseUrl: string): Promise<string> {
  const port = new URL(baseUrl).port;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const at = args.indexOf('--persist-to');
    if (at > 0 && args[args.indexOf('--port') + 1] === port) return args[at + 1] ?? '';
  }
  throw new Error(`no process serves port ${port} with --persist-to`);
}

/** Runs one SQL statement straight on the local D1 of the app under test (for what a test cannot wait for). */
export async function executeOnServerDb(baseUrl: string, sql: string) {
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'execute', 'DB', '--local', '--persist-to', await persistDirOf(baseUrl), '--command', sql],
    { cwd: root, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  if (result.status !== 0) throw new Error(`wrangler d1 execute failed:\n${result.stdout}${result.stderr}`);
}

/** Grants the built-in admin role to the phone account straight in local D1, as `npm run admin` does for emails. */
export async function grantAdmin(baseUrl: string, phone: string) {
  if (!/^\+\d+$/.test(phone)) throw new Error(`unexpected phone ${phone}`);
  await executeOnServerDb(
    baseUrl,
    `INSERT INTO user_roles (user_id, role_id, granted_by, granted_at) SELECT id, 'role_admin', NULL, ${Date.now()} FROM users WHERE phone = '${phone}' ON CONFLICT DO NOTHING`,
  );
}

const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** Saves a full-page PNG under test-results/screenshots/ for a human to look at. */
export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // From the top, or the sticky header is drawn across the middle of a full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Signs in with a texted code (no sign-up allowance spent) and sets a display name on the account page. */
export async function signInAs(page: Page, baseUrl: string, phone: string, name: string) {
  await signInWithPhone(page, baseUrl, phone);
  if (new URL(page.url()).pathname !== '/account') await page.goto('/account');
  await page.getByTestId('field-name').fill(name);
  await page.getByTestId('save-profile').click();
  await page.getByTestId('profile-saved').waitFor();
}

/** A signed-in API client (phone code) with a display name, for a person no browser needs to show. */
export async function apiUser(baseUrl: string, phone: string, name: string) {
  const json = { 'Content-Type': 'application/json', ...ownNetwork() };
  const requested = await fetch(`${baseUrl}/api/auth/otp/request`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ phone }),
  });
  if (requested.status !== 202) throw new Error(`otp request ${phone}: ${requested.status} ${await requested.text()}`);
  const [, code] = await waitForMessage(baseUrl, phone, /(\d{6})/);
  const verified = await fetch(`${baseUrl}/api/auth/otp/verify`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ phone, code }),
  });
  if (verified.status !== 200) throw new Error(`otp verify ${phone}: ${verified.status} ${await verified.text()}`);
  const { accessToken } = (await verified.json()) as { accessToken: string };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...json, Authorization: `Bearer ${accessToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  await call('PATCH', '/api/users/me', { name });
  return { call };
}
