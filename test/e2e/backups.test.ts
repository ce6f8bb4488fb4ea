import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUser, clickNav, grantAdmin, screenshot, signInWithPhone, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

interface Backup {
  id: string;
  status: string;
  sizeBytes: number;
  restore: { status: string; error: string | null } | null;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hearth-backups-e2e-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Uploads a file with unique bytes through the files page, so the archive has an object of this test's. */
async function uploadThroughFilesPage(page: Page, name: string): Promise<Buffer> {
  const bytes = Buffer.from(`backup e2e ${name} ${randomBytes(12).toString('hex')}\n`);
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  await clickNav(page, 'nav-files');
  await page.getByTestId('files-page').waitFor();
  await page.getByTestId('file-input').setInputFiles(file);
  await page.locator(`[data-testid="file-row"][data-name="${name}"]`).waitFor();
  return bytes;
}

/** Grants admin to the signed-in phone account; the role shows from the reload's refresh. */
async function becomeAdmin(page: Page, baseUrl: string, phone: string) {
  await grantAdmin(baseUrl, phone);
  await page.reload();
  await page.getByTestId('nav-user-name').waitFor({ state: 'attached' });
}

/** An admin with a file of their own uploaded first, so the archive holds an object of this test's. */
async function adminWithFile(page: Page, baseUrl: string, phone: string, name: string): Promise<Buffer> {
  await signInWithPhone(page, baseUrl, phone);
  const bytes = await uploadThroughFilesPage(page, name);
  await becomeAdmin(page, baseUrl, phone);
  return bytes;
}

/** Admin → Backups through the visible header nav and the admin tabs. */
async function openBackups(page: Page) {
  await clickNav(page, 'nav-admin');
  await page.getByTestId('tab-backups').click();
  await page.getByTestId('backup-now').waitFor();
}

/** The list as the page last read it (`GET /api/backups`), by id. */
function watchList(page: Page) {
  const seen = new Map<string, Backup>();
  page.on('response', async (response: Response) => {
    const url = new URL(response.url());
    if (url.pathname !== '/api/backups' || response.request().method() !== 'GET' || !response.ok()) return;
    const { items } = (await response.json().catch(() => ({ items: [] }))) as { items: Backup[] };
    for (const item of items) seen.set(item.id, item);
  });
  return seen;
}

/** Clicks "Back up now", watches the live progress, and waits for the new row to show done; returns its id. */
async function backUpNow(page: Page): Promise<string> {
  const before = new Set(
    await page.getByTestId('backup-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-backup-id'))),
  );
  const started = page.waitForResponse(
    (response) => new URL(response.url()).pathname === '/api/backups' && response.request().method() === 'POST',
  );
  await page.getByTestId('backup-now').click();
  const response = await started;
  expect(response.status()).toBe(202);
  const { id } = (await response.json()) as Backup;
  expect(before.has(id)).toBe(false);
  // The bar shows while the job is queued or running, and the button waits for it.
  await page.getByTestId('backup-progress').waitFor();
  await expect(page.getByTestId('backup-progress').textContent()).resolves.toMatch(
    /^(Queued|Backing up): \d+ of (\d+|…) rows and objects/,
  );
  await expect(page.getByTestId('backup-now').isDisabled()).resolves.toBe(true);
  // The page reads the job again every second: done without a reload, and the bar goes.
  const row = page.locator(`[data-testid="backup-row"][data-backup-id="${id}"]`);
  await row.and(page.locator('[data-status="done"]')).waitFor({ timeout: 60_000 });
  await page.getByTestId('backup-progress').waitFor({ state: 'detached' });
  await expect(page.getByTestId('backup-now').isDisabled()).resolves.toBe(false);
  return id;
}

const rowOf = (page: Page, id: string) => page.locator(`[data-testid="backup-row"][data-backup-id="${id}"]`);

// Admin rights are granted in the local database global-setup created; the restore replaces that database's data.
describe.skipIf(process.env.E2E_BASE_URL)('admin backups page', () => {
  const browser = useBrowser();

  it('should back up with live progress, download the archive, keep a schedule across a reload, and delete', async () => {
    const { page, errors } = await browser.open('/');
    const bytes = await adminWithFile(page, browser.baseUrl, uniquePhone('+4479101'), 'backed-up.txt');
    const listed = watchList(page);
    await openBackups(page);

    const id = await backUpNow(page);
    const row = rowOf(page, id);
    await expect(row.getByTestId('backup-status').textContent()).resolves.toBe('done');
    const sizeBytes = listed.get(id)?.sizeBytes ?? 0;
    expect(sizeBytes).toBeGreaterThan(bytes.length);
    await expect(row.locator('td.num').first().textContent()).resolves.toMatch(/^\d+(\.\d+)? (bytes|KB|MB|GB)$/);
    await screenshot(page, 'admin-backups');

    // Download: the archive, byte for byte what the signed link serves, with this test's file inside.
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('backup-download').click()]);
    expect(download.suggestedFilename()).toBe(`hearth-backup-${id}.tar`);
    const archive = await readFile(await download.path());
    expect(archive.length).toBe(sizeBytes);
    expect(archive.includes(bytes)).toBe(true);
    expect(archive.includes(Buffer.from('manifest'))).toBe(true);
    const served = await fetch(download.url());
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/x-tar');
    expect(Buffer.from(await served.arrayBuffer()).equals(archive)).toBe(true);

    // The schedule: weekly on Wednesday at 05:00 UTC, keep 7; still so after a reload.
    const form = page.getByTestId('schedule-form');
    await form.getByTestId('schedule-frequency').selectOption('weekly');
    await form.getByTestId('schedule-weekday').selectOption({ label: 'Wednesday' });
    await form.getByTestId('schedule-hour').fill('5');
    await form.getByTestId('schedule-keep').fill('7');
    await form.getByTestId('schedule-save').click();
    await form.getByTestId('schedule-saved').waitFor();
    await page.reload();
    await form.waitFor();
    await expect(form.getByTestId('schedule-frequency').inputValue()).resolves.toBe('weekly');
    await expect(form.getByTestId('schedule-weekday').inputValue()).resolves.toBe('3');
    await expect(form.getByTestId('schedule-hour').inputValue()).resolves.toBe('5');
    await expect(form.getByTestId('schedule-keep').inputValue()).resolves.toBe('7');
    // Back to daily: the weekday field goes, and the choice is kept too.
    await form.getByTestId('schedule-frequency').selectOption('daily');
    await form.getByTestId('schedule-weekday').waitFor({ state: 'detached' });
    await form.getByTestId('schedule-save').click();
    await form.getByTestId('schedule-saved').waitFor();
    await page.reload();
    await expect(form.getByTestId('schedule-frequency').inputValue()).resolves.toBe('daily');
    await expect(form.getByTestId('schedule-hour').inputValue()).resolves.toBe('5');

    // Delete asks first: dismissed, the backup stays; accepted, it goes, and so does its link.
    page.once('dialog', (dialog) => dialog.dismiss());
    await rowOf(page, id).getByTestId('backup-delete').click();
    await page.waitForTimeout(300);
    await expect(rowOf(page, id).count()).resolves.toBe(1);
    page.once('dialog', (dialog) => dialog.accept());
    await rowOf(page, id).getByTestId('backup-delete').click();
    await rowOf(page, id).waitFor({ state: 'detached' });
    expect((await fetch(download.url())).status).toBe(404);
    expect(errors).toEqual([]);
  }, 120_000);

  it('should be usable on a phone: the button and the list in view, nothing wider than the screen', async () => {
    const { page, errors } = await browser.open('/', { viewport: { width: 390, height: 844 } });
    const phone = uniquePhone('+4479102');
    await signInWithPhone(page, browser.baseUrl, phone);
    await becomeAdmin(page, browser.baseUrl, phone);
    await openBackups(page);
    await backUpNow(page);

    await expect(page.getByTestId('backup-now').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('backup-list').isVisible()).resolves.toBe(true);
    await page.getByTestId('backup-row').first().getByTestId('backup-download').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('backup-row').first().getByTestId('backup-download').isVisible()).resolves.toBe(true);
    await page.getByTestId('schedule-save').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('schedule-save').isVisible()).resolves.toBe(true);
    // The table may scroll inside its own box; the page itself must not scroll sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'admin-backups-phone');
    expect(errors).toEqual([]);
  }, 120_000);

  it('should send a restore only once the confirmation is typed, and bring the backed-up data back', async () => {
    const phone = uniquePhone('+4479103');
    const { page } = await browser.open('/');
    await adminWithFile(page, browser.baseUrl, phone, 'kept.txt');
    await openBackups(page);
    const id = await backUpNow(page);
    // A file made after the backup, which the restore must take away.
    await uploadThroughFilesPage(page, 'after-backup.txt');
    await openBackups(page);

    const restoreCalls: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/restore')) restoreCalls.push(request.postData() ?? '');
    });
    const watcher = await apiUser(browser.baseUrl, phone, 'Watcher');
    await rowOf(page, id).getByTestId('backup-restore').click();
    const form = page.getByTestId('restore-form');
    await form.waitFor();

    // Without the typed text, or with something else, the button sends nothing.
    await form.getByTestId('restore-submit').click();
    await form.getByText('Type “replace everything” to confirm.').waitFor();
    await form.getByTestId('restore-confirm').fill('replace');
    await form.getByTestId('restore-submit').click();
    await form.getByText('Type “replace everything” to confirm.').waitFor();
    await page.waitForTimeout(300);
    expect(restoreCalls).toEqual([]);
    await screenshot(page, 'admin-backups-restore');

    await form.getByTestId('restore-confirm').fill('replace everything');
    const accepted = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/restore'));
    await form.getByTestId('restore-submit').click();
    expect((await accepted).status()).toBe(202);
    expect(restoreCalls.map((body) => JSON.parse(body))).toEqual([{ confirm: 'replace everything' }]);

    // A client signed in before the restore watches it: while the tables are cleared and refilled
    // its requests may be refused, so it keeps asking until the job reports an end.
    const deadline = Date.now() + 60_000;
    let backup: Backup | undefined;
    while (Date.now() < deadline) {
      backup = await watcher.call<Backup>('GET', `/api/backups/${id}`).catch(() => undefined);
      if (backup?.restore?.status === 'done' || backup?.restore?.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(backup?.restore).toMatchObject({ status: 'done', error: null });
    // Everyone signs in again; the account and its admin role came back with the archive.
    const admin = await apiUser(browser.baseUrl, phone, 'Restorer');
    const { items } = await admin.call<{ items: { name: string }[] }>('GET', '/api/files');
    expect(items.map((file) => file.name)).toEqual(['kept.txt']);
  }, 120_000);
});
