import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickNav, grantAdmin, screenshot, signInAs, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

const PHONE = { width: 390, height: 844 };

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-insights-e2e-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function expectNoSideScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

/** `YYYY-MM-DD` of the UTC day `offset` days from today, as the metrics range names days. */
const utcDay = (offset = 0) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('insights', () => {
  const browser = useBrowser();

  it('should show a signed-in person their dashboard on the home page, on a phone, counting a new file', async () => {
    const { page, errors } = await browser.open('/', { viewport: PHONE });
    await signInAs(page, browser.baseUrl, uniquePhone('+4479201'), 'Wren');
    await page.getByTestId('brand').click();
    await page.getByTestId('dashboard-cards').waitFor();
    // The signed-out landing is gone for a signed-in visitor.
    expect(await page.getByTestId('home-sign-up').count()).toBe(0);
    expect(await page.getByTestId('card-files-value').getAttribute('data-count')).toBe('0');
    expect(await page.getByTestId('card-streak-value').textContent()).toBe('0 days');
    await page.getByTestId('recent-files').getByText('No files yet.').waitFor();
    expect(await page.getByTestId('chart-dash-minutes').getByTestId('chart-bar').count()).toBe(14);

    await clickNav(page, 'nav-files');
    await page.getByTestId('files-page').waitFor();
    const file = path.join(dir, 'dashboard-note.txt');
    await writeFile(file, 'A small note for the dashboard.\n');
    await page.getByTestId('file-input').setInputFiles(file);
    await page.locator('[data-testid="upload"][data-name="dashboard-note.txt"][data-state="done"]').waitFor();

    await page.getByTestId('brand').click();
    await page.locator('[data-testid="card-files-value"][data-count="1"]').waitFor();
    expect(await page.getByTestId('card-quota').textContent()).toMatch(/^32 bytes of .+ \(0%\)$/);
    const recent = page.getByTestId('recent-file');
    expect(await recent.count()).toBe(1);
    expect(await recent.getByRole('link').textContent()).toBe('dashboard-note.txt');
    // Storage over time ends with today's 32 bytes.
    const points = page.getByTestId('chart-dash-storage').getByTestId('chart-point');
    expect(await points.count()).toBe(30);
    expect(await points.last().getAttribute('data-value')).toBe('32');
    for (const id of ['chart-dash-minutes', 'chart-dash-storage']) {
      const svg = await page.getByTestId(id).getByTestId('chart-svg').boundingBox();
      expect(svg?.width ?? 0, id).toBeGreaterThan(250);
      expect((svg?.x ?? 0) + (svg?.width ?? 0), id).toBeLessThanOrEqual(PHONE.width);
    }
    await expectNoSideScroll(page);
    await screenshot(page, 'dashboard-phone');

    // A card leads where it belongs.
    await page.getByTestId('card-files').getByRole('link').click();
    await page.getByTestId('files-page').waitFor();
    expect(errors).toEqual([]);
  }, 60_000);

  it('should let an admin read the metrics charts from the Admin tabs and change the range', async () => {
    const { page, errors } = await browser.open('/', { viewport: PHONE });
    const phone = uniquePhone('+4479201');
    await signInAs(page, browser.baseUrl, phone, 'Ada');
    await grantAdmin(browser.baseUrl, phone);
    // The role shows from the next sign-in answer: the reload's refresh.
    await page.reload();
    await clickNav(page, 'nav-admin');
    await page.getByTestId('admin-tabs').waitFor();
    await page.getByTestId('tab-metrics').click();
    expect(new URL(page.url()).pathname).toBe('/admin/metrics');

    // The default range: the last 30 UTC days, today included, and this admin signed up today.
    const report = page.getByTestId('metrics-report');
    await report.waitFor();
    expect(await report.getAttribute('data-to')).toBe(utcDay());
    expect(await report.getAttribute('data-from')).toBe(utcDay(-29));
    const signups = page.getByTestId('chart-signups');
    expect(await signups.getByTestId('chart-bar').count()).toBe(30);
    expect(Number(await signups.getByTestId('chart-bar').last().getAttribute('data-value'))).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('chart-active').getByTestId('chart-point').count()).toBe(90);
    expect(await page.getByTestId('chart-minutes').getByTestId('chart-bar').count()).toBe(30);
    for (const id of ['chart-signups', 'chart-active', 'chart-stickiness', 'chart-minutes', 'chart-lifecycle']) {
      const chart = page.getByTestId(id);
      expect(await chart.locator('svg title').first().textContent(), id).not.toBe('');
      expect(await chart.getByTestId('chart-summary').textContent(), id).not.toBe('');
    }
    expect(await page.getByTestId('chart-signups').getByTestId('chart-y-label').textContent()).toBe('Sign-ups');
    await page.getByTestId('cohort-table').waitFor();
    await page.getByTestId('metrics-coworking').waitFor();
    await expectNoSideScroll(page);
    await screenshot(page, 'admin-metrics-phone');

    // A week instead.
    await page.getByTestId('field-from').fill(utcDay(-6));
    await page.getByTestId('field-to').fill(utcDay());
    await page.getByTestId('metrics-show').click();
    await page.locator(`[data-testid="metrics-report"][data-from="${utcDay(-6)}"]`).waitFor();
    expect(await signups.getByTestId('chart-bar').count()).toBe(7);
    // The figures as a table, for anyone who would rather read.
    await signups.getByText('Show the figures').click();
    expect(await signups.getByTestId('chart-table').locator('tbody tr').count()).toBe(7);

    // A range that ends before it starts: the server's reason, and the last report stays.
    await page.getByTestId('field-from').fill(utcDay());
    await page.getByTestId('field-to').fill(utcDay(-3));
    await page.getByTestId('metrics-show').click();
    const problem = page.getByTestId('metrics-error');
    await problem.waitFor();
    expect((await problem.textContent())?.length ?? 0).toBeGreaterThan(5);
    expect(await signups.getByTestId('chart-bar').count()).toBe(7);
    await expectNoSideScroll(page);
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  }, 60_000);

  it('should show the forbidden page to someone without the metrics permission', async () => {
    const { page } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4479201'), 'Moss');
    await page.goto('/admin/metrics');
    await page.getByTestId('forbidden').waitFor();
    expect(await page.getByTestId('metrics-report').count()).toBe(0);
  }, 60_000);
});
