import { mkdir } from 'node:fs/promises';
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

/** Creates an account through the API (not the UI); returns its access token. */
export async function registerByApi(baseUrl: string, email: string, name: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
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
  await page.getByTestId('nav-user-name').waitFor();
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
export async function signInWithPhone(page: Page, baseUrl: string, phone: string) {
  await page.goto('/sign-in');
  await page.getByTestId('switch-method').click();
  await page.getByTestId('field-phone').pressSequentially(phone);
  await page.getByTestId('send-code').click();
  await page.getByTestId('code-sent').waitFor();
  const [, code] = await waitForMessage(baseUrl, phone, /(\d{6})/);
  // Typed where the focus went, as a person does.
  await page.keyboard.type(code ?? '');
  await page.getByTestId('verify-code').click();
  await page.getByTestId('nav-user-name').waitFor();
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

const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** Saves a full-page PNG under test-results/screenshots/ for a human to look at. */
export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // From the top, or the sticky header is drawn across the middle of a full-page shot.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
