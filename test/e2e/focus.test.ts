import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { clickNav, executeOnServerDb, screenshot, signInAs, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

/**
 * Moves a running sprint's start and planned end `ms` into the past, straight in the
 * server's local D1: the server stamps both itself, and a test cannot wait 5 minutes.
 */
async function backdateSprint(baseUrl: string, id: string, ms: number) {
  if (!/^[\w-]+$/.test(id)) throw new Error(`unexpected sprint id ${id}`);
  const sql = `UPDATE sprints SET started_at = started_at - ${ms}, planned_end_at = planned_end_at - ${ms} WHERE id = '${id}' AND status = 'running'`;
  await executeOnServerDb(baseUrl, sql);
}

/** "04:59" or "1:30:00" as seconds. */
function seconds(text: string | null): number {
  const parts = (text ?? '').trim().split(':').map(Number);
  expect(parts.length, `a countdown, not "${text}"`).toBeGreaterThanOrEqual(2);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

const countdown = async (page: Page) => seconds(await page.getByTestId('countdown').textContent());
const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();
const todayCell = (page: Page) => page.locator('[data-testid="heatmap-cell"][data-today="true"]');

/** The page never scrolls sideways. */
async function expectNoSideScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

describe('focus', () => {
  const browser = useBrowser();

  it('should credit a finished solo sprint with a streak, a filled day and a first badge', async () => {
    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4479001'), 'Fern');
    await clickNav(page, 'nav-focus');
    expect(new URL(page.url()).pathname).toBe('/focus');

    // A newcomer: no streak, nothing on the calendar, no badge yet.
    await page.getByTestId('sprint-start').waitFor();
    expect(await text(page, 'current-streak')).toBe('0 days');
    expect(await text(page, 'today-minutes')).toBe('0 min');
    expect(await page.getByTestId('heatmap-cell').count()).toBe(90);
    expect(await todayCell(page).getAttribute('data-level')).toBe('0');
    expect(await text(page, 'heatmap-summary')).toBe('No focused time in the last 90 days yet.');
    await page.getByTestId('badges-empty').waitFor();

    // A 5-minute sprint with a goal.
    await page.getByTestId('field-durationMinutes').fill('5');
    await page.getByTestId('field-goal').fill('Outline the talk');
    await page.getByTestId('sprint-start-submit').click();
    await page.getByTestId('sprint-timer').waitFor();
    expect(await text(page, 'sprint-goal')).toBe('Outline the talk');
    const left = await countdown(page);
    expect(left).toBeGreaterThan(4 * 60 + 45);
    expect(left).toBeLessThanOrEqual(5 * 60);
    const id = (await page.getByTestId('sprint-timer').getAttribute('data-sprint-id')) ?? '';

    // It survives a reload: the same sprint, still counting down from the server's planned end.
    await page.reload();
    await page.getByTestId('sprint-timer').waitFor();
    expect(await page.getByTestId('sprint-timer').getAttribute('data-sprint-id')).toBe(id);
    expect(await countdown(page)).toBeLessThanOrEqual(left);
    expect(await page.getByTestId('time-up').count()).toBe(0);

    // Five minutes pass (on the server's record), and the screen says time is up.
    await backdateSprint(browser.baseUrl, id, 5 * 60_000);
    await page.reload();
    await page.getByTestId('time-up').waitFor();
    expect(await countdown(page)).toBe(0);

    await page.getByTestId('sprint-done').click();
    await expect.poll(() => text(page, 'new-badges')).toBe('🎉 New badge: First sprint!');
    expect(await page.getByTestId('confetti').getAttribute('data-bursts')).toBe('1');
    expect(await page.getByTestId('sprint-outcome').textContent()).toContain('Sprint done: 5 minutes credited');
    await expect.poll(() => text(page, 'current-streak')).toBe('1 day');
    expect(await text(page, 'longest-streak')).toBe('1 day');
    expect(await text(page, 'today-minutes')).toBe('5 min');
    expect(await page.getByTestId('needs-sprint-today').count()).toBe(0);
    expect(await todayCell(page).getAttribute('data-minutes')).toBe('5');
    expect(await todayCell(page).getAttribute('data-level')).toBe('1');
    expect(await todayCell(page).locator('title').textContent()).toMatch(/: 5 minutes$/);
    expect(await text(page, 'heatmap-summary')).toMatch(/^Last 90 days: focused on 1 day, 5 minutes in all\./);
    const badge = page.locator('[data-testid="badge"][data-badge-id="first_sprint"]');
    expect(await badge.getAttribute('data-new')).toBe('true');
    expect(await badge.textContent()).toContain('First sprint');
    // The timer is gone; the next sprint can start.
    await page.getByTestId('sprint-start').waitFor();
    expect(await page.getByTestId('sprint-timer').count()).toBe(0);
    await screenshot(page, 'focus-first-sprint');
    expect(errors).toEqual([]);
  }, 90_000);

  it('should abandon a sprint only once confirmed, and credit nothing', async () => {
    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4479002'), 'Abe');
    await clickNav(page, 'nav-focus');
    await page.getByTestId('preset-50').click();
    expect(await page.getByTestId('preset-50').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('field-durationMinutes').inputValue()).toBe('50');
    await page.getByTestId('sprint-start-submit').click();
    await page.getByTestId('sprint-timer').waitFor();
    expect(await countdown(page)).toBeGreaterThan(49 * 60);

    // Cancel keeps it running.
    await page.getByTestId('sprint-abandon').click();
    await page.getByTestId('confirm-dialog').getByText('Cancel').click();
    expect(await page.getByTestId('sprint-timer').isVisible()).toBe(true);

    await page.getByTestId('sprint-abandon').click();
    await page.getByTestId('confirm').click();
    await expect.poll(() => page.getByTestId('sprint-outcome').getAttribute('data-kind')).toBe('abandoned');
    await page.getByTestId('sprint-start').waitFor();
    expect(await text(page, 'today-minutes')).toBe('0 min');
    expect(await text(page, 'current-streak')).toBe('0 days');
    await page.getByTestId('badges-empty').waitFor();

    // Out of range: the server's refusal shows next to the field, and nothing starts.
    await page.getByTestId('field-durationMinutes').fill('181');
    await page.getByTestId('sprint-start-submit').click();
    await page.getByTestId('error-durationMinutes').waitFor();
    expect(await page.getByTestId('sprint-timer').count()).toBe(0);
    // The one refused request, which the browser logs.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  }, 60_000);

  it('should fit the focus screen on a phone', async () => {
    const { page, errors } = await browser.open('/', { viewport: { width: 390, height: 844 } });
    await signInAs(page, browser.baseUrl, uniquePhone('+4479003'), 'Pip');
    await clickNav(page, 'nav-focus');
    await page.getByTestId('sprint-start').waitFor();
    await expectNoSideScroll(page);
    expect(await page.getByTestId('heatmap-svg').isVisible()).toBe(true);
    const svg = await page.getByTestId('heatmap-svg').boundingBox();
    expect(svg?.width ?? 0).toBeGreaterThan(250);
    expect((svg?.x ?? 0) + (svg?.width ?? 0)).toBeLessThanOrEqual(390);

    await page.getByTestId('preset-90').click();
    await page
      .getByTestId('field-goal')
      .fill('A rather long goal that has to wrap on a small screen without pushing it sideways');
    await page.getByTestId('sprint-start-submit').click();
    await page.getByTestId('sprint-timer').waitFor();
    expect(await text(page, 'countdown')).toMatch(/^1:(30:00|29:\d\d)$/);
    for (const id of ['countdown', 'sprint-done', 'sprint-abandon']) {
      expect(await page.getByTestId(id).isVisible(), id).toBe(true);
    }
    await expectNoSideScroll(page);
    await screenshot(page, 'focus-phone');
    expect(errors).toEqual([]);
  }, 60_000);
});
