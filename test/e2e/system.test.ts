import { describe, expect, it } from 'vitest';
import { clickNav, executeOnServerDb, grantAdmin, screenshot, signInWithPhone, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

/** One unhandled error and one dead letter as the worker records them, a minute ago, with a marker of this run. */
async function recordTrouble(baseUrl: string, marker: string) {
  const at = Date.now() - 60_000;
  await executeOnServerDb(
    baseUrl,
    `INSERT INTO ops_errors (id, at, source, route, request_id, user_id, name, message) VALUES ('e2e${marker}', ${at}, 'fetch', 'GET /api/rooms/:id', 'req-${marker}', NULL, 'TypeError', 'rooms exploded ${marker}'); ` +
      `INSERT INTO ops_queue_events (id, at, type, outcome, attempts) VALUES ('q2e${marker}', ${at}, 'send_sms', 'dead_letter', 3)`,
  );
}

describe('admin system page', () => {
  const browser = useBrowser();

  it.each([
    ['on a desktop', DESKTOP],
    ['on a phone', PHONE],
  ])('should show health, dead letters and a recent error to an admin %s', async (label, viewport) => {
    const marker = `${viewport.width}x${Date.now().toString(36)}`;
    const phone = uniquePhone('+4420795');
    const { page, errors } = await browser.open('/', { viewport });
    await signInWithPhone(page, browser.baseUrl, phone);
    await grantAdmin(browser.baseUrl, phone);
    await recordTrouble(browser.baseUrl, marker);
    // The role shows from the next sign-in answer: the reload's refresh.
    await page.reload();

    await clickNav(page, 'nav-admin');
    await page.getByTestId('admin-tabs').waitFor();
    await page.getByTestId('tab-system').click();
    await page.getByTestId('admin-system').waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/system');

    // Health: every check, as GET /api/health reports them.
    await page.locator('[data-testid="health-status"][data-state="ok"]').waitFor();
    for (const check of ['db', 'kv', 'storage', 'config']) {
      await expect(page.getByTestId(`health-check-${check}`).getAttribute('data-state')).resolves.toBe('ok');
    }

    // The dead letter is counted and called out.
    await page.getByTestId('system-dead-letter-alert').waitFor();
    await expect
      .poll(async () => Number(await page.getByTestId('system-dead-letters').textContent()))
      .toBeGreaterThanOrEqual(1);
    await page.locator('[data-testid="system-queue-type"][data-type="send_sms"]').waitFor();

    // The recorded error, with its route and request id.
    const row = page.locator(`[data-testid="system-error"][data-error-id="e2e${marker}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain(`rooms exploded ${marker}`);
    await expect(row.textContent()).resolves.toContain('GET /api/rooms/:id');
    await expect(row.textContent()).resolves.toContain(`req-${marker}`);

    await page.getByTestId('system-grafana-json').waitFor();
    await expect(page.getByTestId('system-grafana-json').textContent()).resolves.toBe(
      'docs/grafana/hearth-dashboard.json',
    );

    // Nothing widens the page on a phone: wide tables scroll inside their cards.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, `admin-system-${label.replace(/\W+/g, '-').replace(/^-/, '')}`);

    // The backups card leads to the backups screen.
    await page.getByTestId('system-backups-link').click();
    await page.getByTestId('admin-backups').waitFor();
    expect(errors).toEqual([]);
  });
});
