import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickNav, grantAdmin, screenshot, signInWithPhone, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

/** An iPhone-sized screen: 390 CSS pixels wide. */
const PHONE = { width: 390, height: 844 };

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-mobile-e2e-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The page never scrolls sideways; a failure names what sticks out past the screen's right edge. */
async function expectNoSideScroll(page: Page, screen: string) {
  const { scrollWidth, clientWidth, wide } = await page.evaluate(() => {
    const { scrollWidth, clientWidth } = document.documentElement;
    // What sticks out, leaving aside the insides of anything that scrolls or clips on its own (a table's wrapper).
    const clipped = (element: HTMLElement) => {
      for (let up = element.parentElement; up && up !== document.body; up = up.parentElement)
        if (getComputedStyle(up).overflowX !== 'visible') return true;
      return false;
    };
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((element) => element.getBoundingClientRect().right > clientWidth + 0.5 && !clipped(element))
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
    return { scrollWidth, clientWidth, wide };
  });
  expect(scrollWidth, `${screen} is wider than the screen: ${wide.join(', ')}`).toBeLessThanOrEqual(clientWidth);
}

/** The header is one compact row: brand and the Menu button, the links hidden behind it. */
async function expectCompactHeader(page: Page) {
  const header = await page.getByRole('banner').boundingBox();
  expect(header?.height).toBeLessThan(80);
  await expect(page.getByTestId('nav-menu').isVisible()).resolves.toBe(true);
  await expect(page.getByTestId('nav').isVisible()).resolves.toBe(false);
}

/** A stored message's list item, with its actions button. */
const messageItem = (page: Page, text: string) =>
  page
    .locator('[data-testid="chat-message"]:not([data-pending])')
    .filter({ has: page.getByTestId('chat-text').filter({ hasText: new RegExp(`^${text}$`) }) });

describe('on a phone', () => {
  const browser = useBrowser();

  it('should show one header row whose Menu opens the nav, and fit the signed-out screens', async () => {
    const { page, errors } = await browser.open('/', { viewport: PHONE });
    await page.getByTestId('pitch').waitFor();
    await expectCompactHeader(page);
    await expectNoSideScroll(page, 'home');
    const menu = page.getByTestId('nav-menu');
    await expect(menu.getAttribute('aria-controls')).resolves.toBe('site-nav');

    // Escape closes it and leaves the focus on the button.
    await menu.click();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
    await page.getByTestId('nav-sign-in').waitFor();
    await screenshot(page, 'mobile-menu');
    await page.keyboard.press('Escape');
    await page.getByTestId('nav').waitFor({ state: 'hidden' });
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(menu.evaluate((button) => button === document.activeElement)).resolves.toBe(true);

    // From the keyboard; a tap outside closes it too.
    await page.keyboard.press('Enter');
    await page.getByTestId('nav-sign-in').waitFor();
    // Below the open panel, on the page.
    await page.mouse.click(PHONE.width / 2, PHONE.height - 40);
    await page.getByTestId('nav').waitFor({ state: 'hidden' });

    // Choosing a link goes there and closes the menu.
    await menu.click();
    await page.getByTestId('nav-sign-in').click();
    await page.getByTestId('sign-in').waitFor();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await expectCompactHeader(page);
    await expectNoSideScroll(page, 'sign-in');
    await page.getByTestId('switch-method').click();
    await page.getByTestId('phone-form').waitFor();
    await expectNoSideScroll(page, 'sign-in with a phone');

    await clickNav(page, 'nav-sign-up');
    await page.getByTestId('sign-up').waitFor();
    await expectNoSideScroll(page, 'sign-up');
    expect(errors).toEqual([]);
  });

  it('should fit every signed-in screen, edit and delete a message from its menu, and scroll admin tables in their card', async () => {
    const { page, errors } = await browser.open('/', { viewport: PHONE });
    const phone = uniquePhone('+4479001');
    await signInWithPhone(page, browser.baseUrl, phone);
    await expectCompactHeader(page);

    await clickNav(page, 'nav-account');
    await page.getByTestId('profile').waitFor();
    await expectNoSideScroll(page, 'account');
    await page.getByTestId('tab-devices').click();
    await page.getByTestId('this-device').waitFor();
    await expectNoSideScroll(page, 'devices');

    // Rooms, and a room with a conversation.
    await clickNav(page, 'nav-rooms');
    await page.getByTestId('create-room').waitFor();
    await expectNoSideScroll(page, 'rooms');
    await page.getByTestId('field-name').fill(`Pocket room ${Date.now().toString(36)}`);
    await page.getByTestId('create-room-submit').click();
    await page.locator('[data-testid="chat-status"][data-state="connected"]').waitFor();
    for (const text of ['First from my phone', 'Second from my phone']) {
      await page.getByTestId('chat-input').fill(text);
      await page.getByTestId('chat-input').press('Enter');
      await messageItem(page, text).waitFor();
    }
    await expectCompactHeader(page);
    await expectNoSideScroll(page, 'a room');
    await page.getByTestId('nav-menu').click();
    await page.getByTestId('nav-rooms').waitFor();
    await expectNoSideScroll(page, 'a room with the menu open');
    await page.keyboard.press('Escape');

    // One actions button per message, shown without hovering; its menu holds Edit and Delete.
    const first = messageItem(page, 'First from my phone');
    await expect(page.getByTestId('chat-actions').count()).resolves.toBe(2);
    await expect(first.getByTestId('chat-edit').count()).resolves.toBe(0);
    const actions = first.getByTestId('chat-actions');
    await expect(actions.evaluate((button) => getComputedStyle(button).opacity)).resolves.toBe('1');
    await expect(actions.getAttribute('aria-label')).resolves.toBe('Message actions');
    await expect(actions.getAttribute('aria-haspopup')).resolves.toBe('menu');
    await actions.click();
    await expect(actions.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(first.getByRole('menuitem').allTextContents()).resolves.toEqual(['Edit', 'Delete']);
    await screenshot(page, 'mobile-message-menu');
    await expectNoSideScroll(page, 'a room with a message menu open');
    // Escape closes it and gives the focus back to the button.
    await page.keyboard.press('Escape');
    await first.getByRole('menu').waitFor({ state: 'detached' });
    await expect(actions.evaluate((button) => button === document.activeElement)).resolves.toBe(true);

    await actions.click();
    await first.getByTestId('chat-edit').click();
    await page.getByTestId('chat-edit-input').fill('First, edited on my phone');
    await page.getByTestId('chat-edit-input').press('Enter');
    const edited = messageItem(page, 'First, edited on my phone');
    await edited.getByTestId('chat-edited').waitFor();

    const second = messageItem(page, 'Second from my phone');
    await second.getByTestId('chat-actions').click();
    await second.getByTestId('chat-delete').click();
    await page.getByTestId('confirm').click();
    await second.waitFor({ state: 'detached' });
    await expect(messageItem(page, 'First, edited on my phone').count()).resolves.toBe(1);

    // Files, a share link, and the public page it opens.
    await clickNav(page, 'nav-files');
    await page.getByTestId('files-page').waitFor();
    const file = path.join(dir, 'a-rather-long-file-name-from-a-phone-camera-roll.txt');
    await writeFile(file, `${phone}: something to share\n`);
    await page.getByTestId('file-input').setInputFiles(file);
    const row = page.locator('[data-testid="file-row"]', { hasText: path.basename(file) });
    await row.waitFor();
    await expectNoSideScroll(page, 'files');
    await row.getByTestId('share-file').click();
    const dialog = page.getByTestId('share-dialog');
    await dialog.getByTestId('create-share').click();
    const link = await dialog.getByTestId('share-url').inputValue();
    await expectNoSideScroll(page, 'the share dialog');

    const visitor = await browser.open(new URL(link).pathname, { viewport: PHONE });
    await visitor.page.getByTestId('share-card').waitFor();
    await expectNoSideScroll(visitor.page, 'the share page');
    await Promise.all([visitor.page.waitForEvent('download'), visitor.page.getByTestId('share-download').click()]);
    await visitor.page.getByTestId('share-started').waitFor();
    await expectNoSideScroll(visitor.page, 'the share page after the download');

    // The admin screens, as an admin.
    await grantAdmin(browser.baseUrl, phone);
    // The role shows from the next sign-in answer: the reload's refresh.
    await page.reload();
    await clickNav(page, 'nav-admin');
    await page.getByTestId('user-row').first().waitFor();
    await expectCompactHeader(page);
    await expectNoSideScroll(page, 'admin users');
    await page.getByTestId('tab-roles').click();
    await page.getByTestId('role-row').first().waitFor();
    await expectNoSideScroll(page, 'admin roles');
    await page.getByTestId('tab-storage').click();
    await page.getByTestId('usage-row').first().waitFor();
    await expectNoSideScroll(page, 'admin storage');
    await page.getByTestId('tab-access-logs').click();
    await page.getByTestId('log-row').first().waitFor();
    await expectNoSideScroll(page, 'admin access logs');
    await page.getByTestId('tab-audit-log').click();
    await page.getByTestId('audit-table').waitFor();
    await expectNoSideScroll(page, 'admin audit log');

    // The table is wider than its card and scrolls inside it, from the keyboard too; the page stays put.
    const wrapper = page.getByTestId('table-scroll');
    await expect(wrapper.getAttribute('aria-label')).resolves.toBe('Audit log entries');
    const widths = await wrapper.evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
    expect(widths.scroll).toBeGreaterThan(widths.client);
    await wrapper.focus();
    for (let step = 0; step < 3; step++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => wrapper.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);
    await expect(page.evaluate(() => window.scrollX)).resolves.toBe(0);
    await expectNoSideScroll(page, 'admin audit log, its table scrolled');
    await screenshot(page, 'mobile-admin-audit-log');

    expect(errors.filter((error) => !/\b40[14]\b/.test(error))).toEqual([]);
  }, 90_000);
});
