import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type ConsoleMessage, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { ownNetwork } from './accounts.js';

/** Debian's Chromium (apt-get install chromium); tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Playwright gives up before the test does, so a failure names the locator it waited for. */
const ACTION_TIMEOUT_MS = 10_000;

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * Every page load asks `POST /api/auth/refresh` whether the refresh cookie
 * still holds a session. A signed-out visitor (no cookie) gets 204, which logs
 * nothing; a cookie whose session was ended elsewhere gets a 401, which
 * Chromium logs as a failed resource. That one is expected, not an error.
 */
function isSessionCheck(message: ConsoleMessage): boolean {
  const { url } = message.location();
  return Boolean(url) && new URL(url).pathname === '/api/auth/refresh' && /status of 401\b/.test(message.text());
}

export interface TestPage {
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  errors: string[];
  /** Requests that tried to leave the app's origin (they are aborted). */
  offsiteRequests: string[];
}

/**
 * One browser per test file, a fresh context (cookies, storage) per page.
 * Pages may only reach the app under test: anything else is aborted and
 * recorded, which is how tests prove nothing loads from a CDN.
 *
 * @example
 * const browser = useBrowser();
 * it('should …', async () => {
 *   const { page, errors } = await browser.open('/');
 *   await page.getByTestId('health-status').waitFor();
 * });
 */
export function useBrowser() {
  const baseUrl = inject('baseUrl');
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
  });
  afterAll(async () => {
    await browser?.close();
  });

  return {
    baseUrl,
    url: (pathname: string) => new URL(pathname, baseUrl).href,
    async open(
      pathname: string,
      options: {
        colorScheme?: 'light' | 'dark';
        /** e.g. `{ width: 390, height: 844 }` for a phone; Playwright's 1280×720 otherwise. */
        viewport?: { width: number; height: number };
        /** The browser's own time zone, e.g. `America/Los_Angeles`. */
        timezoneId?: string;
      } = {},
    ): Promise<TestPage> {
      if (!browser) throw new Error('useBrowser(): open() runs inside a test, after beforeAll');
      const context = await browser.newContext({
        baseURL: baseUrl,
        colorScheme: options.colorScheme ?? 'light',
        acceptDownloads: true,
        extraHTTPHeaders: ownNetwork(),
        ...(options.viewport ? { viewport: options.viewport } : {}),
        ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
      });
      contexts.push(context);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = await context.newPage();
      const errors: string[] = [];
      const offsiteRequests: string[] = [];
      const origin = new URL(baseUrl).origin;
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
        offsiteRequests.push(url);
        return route.abort('blockedbyclient');
      });
      page.on('console', (message) => {
        if (message.type() === 'error' && !isSessionCheck(message)) errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathname);
      return { page, errors, offsiteRequests };
    },
  };
}
