import { describe, expect, it } from 'vitest';
import { useBrowser } from './browser.js';

describe('API docs', () => {
  const browser = useBrowser();

  it('should render Swagger UI with the API title from vendored assets only', async () => {
    const { page, offsiteRequests } = await browser.open('/api/docs');

    const title = page.locator('#swagger-ui .info .title');
    await title.waitFor();
    await expect(title.textContent()).resolves.toMatch(/^Hearth API/);
    await page.locator('#swagger-ui .opblock-summary-path', { hasText: '/api/health' }).first().waitFor();
    expect(offsiteRequests).toEqual([]);
  });

  it('should let Swagger UI assets use inline styles and nothing else', async () => {
    for (const pathname of ['/docs/docs.js', '/docs/vendor/swagger-ui-bundle.js', '/docs/vendor/swagger-ui.css']) {
      const res = await fetch(browser.url(pathname));
      expect(res.status, pathname).toBe(200);
      const csp = res.headers.get('Content-Security-Policy') ?? '';
      expect(csp, pathname).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp, pathname).toContain("script-src 'self';");
      // One policy, not the app's strict one joined to it (which the browser would also enforce).
      expect(csp.split(',').length, pathname).toBe(1);
      expect(res.headers.get('X-Content-Type-Options'), pathname).toBe('nosniff');
    }
  });
});
