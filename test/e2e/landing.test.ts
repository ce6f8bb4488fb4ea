import { describe, expect, it } from 'vitest';
import { useBrowser } from './browser.js';

const APP_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe('landing page', () => {
  const browser = useBrowser();

  it('should show Hearth and every health check ok', async () => {
    const { page, errors } = await browser.open('/');

    await expect(page.getByTestId('product-name').textContent()).resolves.toBe('Hearth');
    await expect(page.getByTestId('pitch').textContent()).resolves.toMatch(/realtime rooms/);
    await page.locator('[data-testid="health-status"][data-state="ok"]').waitFor();
    for (const check of ['db', 'kv', 'storage', 'config']) {
      const item = page.getByTestId(`health-check-${check}`);
      await expect(item.getAttribute('data-state')).resolves.toBe('ok');
      await expect(item.textContent()).resolves.toMatch(/ok$/);
    }
    await expect(page.getByTestId('health-version').textContent()).resolves.toMatch(/^\d+\.\d+\.\d+/);
    await expect(page.getByTestId('health-problems').count()).resolves.toBe(0);
    await expect(page.getByTestId('docs-link').getAttribute('href')).resolves.toBe('/api/docs');
    await expect(page.title()).resolves.toBe('Hearth');
    // A CSP violation (an inline style or script) would show up here as a console error.
    expect(errors).toEqual([]);
  });

  it('should serve the app shell with strict security headers', async () => {
    for (const pathname of ['/', '/assets/app.js', '/assets/app.css', '/favicon.svg']) {
      const res = await fetch(browser.url(pathname));
      expect(res.status, pathname).toBe(200);
      expect(res.headers.get('Content-Security-Policy'), pathname).toBe(APP_CSP);
      expect(res.headers.get('X-Content-Type-Options'), pathname).toBe('nosniff');
      expect(res.headers.get('Referrer-Policy'), pathname).toBe('no-referrer');
      expect(res.headers.get('X-Frame-Options'), pathname).toBe('DENY');
    }
  });

  it('should answer a deep link with the app shell and route it client-side', async () => {
    const { page, errors } = await browser.open('/no-such-screen');

    await page.getByTestId('not-found').waitFor();
    await expect(page.title()).resolves.toBe('Not found · Hearth');
    // Mark the document: a full reload would lose the mark, pushState navigation keeps it.
    await page.evaluate(() => document.documentElement.setAttribute('data-e2e-mark', '1'));
    await page.getByTestId('not-found-home').click();
    await page.locator('[data-testid="health-status"][data-state="ok"]').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('html[data-e2e-mark="1"]').count()).resolves.toBe(1);

    await page.goBack();
    await page.getByTestId('not-found').waitFor();
    expect(errors).toEqual([]);
  });
});
