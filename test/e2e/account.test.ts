import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  clickNav,
  PASSWORD,
  screenshot,
  signIn,
  signInWithPhone,
  signUp,
  uniqueEmail,
  uniquePhone,
  waitForMessage,
} from './accounts.js';
import { useBrowser } from './browser.js';

describe('account page', () => {
  const browser = useBrowser();

  it('should save the profile, change the password and delete the account', async () => {
    const email = uniqueEmail('ida');
    const { page } = await browser.open('/');
    await signUp(page, { name: 'Ida', email });

    await page.getByTestId('field-name').fill('Ida B. Wells');
    await page.getByTestId('field-timezone').selectOption('Europe/Paris');
    await page.getByTestId('save-profile').click();
    await page.getByTestId('profile-saved').waitFor();
    await expect(page.getByTestId('nav-user-name').textContent()).resolves.toBe('Ida B. Wells');
    await page.reload();
    await expect(page.getByTestId('field-timezone').inputValue()).resolves.toBe('Europe/Paris');
    await expect(page.getByTestId('field-name').inputValue()).resolves.toBe('Ida B. Wells');

    await page.getByTestId('field-currentPassword').fill('not my password');
    await page.getByTestId('field-newPassword').fill('another fine passphrase');
    await page.getByTestId('save-password').click();
    await page.getByTestId('error-currentPassword').waitFor();
    await page.getByTestId('field-currentPassword').fill(PASSWORD);
    await page.getByTestId('save-password').click();
    await page.getByTestId('password-changed').waitFor();
    await screenshot(page, 'account-saved');

    await page.getByTestId('field-password').fill('wrong password');
    await page.getByTestId('delete-account-submit').click();
    await page.getByTestId('confirm').click();
    await page.getByTestId('error-password').waitFor();
    await page.getByTestId('field-password').fill('another fine passphrase');
    await page.getByTestId('delete-account-submit').click();
    await page.getByTestId('confirm').click();
    await page.getByTestId('account-deleted').filter({ hasText: 'chat messages were removed' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account-deleted');
    await page.getByTestId('nav-sign-in').waitFor({ state: 'attached' });

    await signIn(page, email, 'another fine passphrase');
    await expect(page.getByTestId('form-error').textContent()).resolves.toMatch(/incorrect/);
  });

  it('should show every time in the profile time zone once one is chosen, else the browser zone', async () => {
    const { page, errors } = await browser.open('/', { timezoneId: 'America/Los_Angeles' });
    // A phone account: sign-ups per network are limited, and the other tests need them.
    await signInWithPhone(page, browser.baseUrl, uniquePhone('+4420790'));

    const signedInAt = async () => {
      await page.goto('/account/devices');
      const row = page.locator('[data-current="true"]');
      await row.waitFor();
      const iso = (await row.locator('time').nth(1).getAttribute('datetime')) ?? '';
      return { iso, shown: await row.locator('time').nth(1).textContent() };
    };
    const inZone = (iso: string, timeZone?: string) =>
      page.evaluate(
        ([at, zone]) =>
          new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(
            new Date(at as string),
          ),
        [iso, timeZone],
      );

    const before = await signedInAt();
    expect(before.shown).toBe(await inZone(before.iso, 'America/Los_Angeles'));

    await page.goto('/account');
    await page.getByTestId('field-timezone').selectOption('Pacific/Kiritimati');
    await page.getByTestId('save-profile').click();
    await page.getByTestId('profile-saved').waitFor();
    const after = await signedInAt();
    expect(after.shown).toBe(await inZone(after.iso, 'Pacific/Kiritimati'));
    expect(after.shown).not.toBe(await inZone(after.iso, 'America/Los_Angeles'));

    // Still so after a reload, when the zone comes back with the session.
    await page.reload();
    await page.locator('[data-current="true"]').waitFor();
    const reloaded = await page.locator('[data-current="true"] time').nth(1).textContent();
    expect(reloaded).toBe(await inZone(after.iso, 'Pacific/Kiritimati'));
    expect(errors).toEqual([]);
  });

  it('should download the export and add a verified phone to an email account', async () => {
    const email = uniqueEmail('export');
    const { page, errors } = await browser.open('/');
    await signUp(page, { name: 'Exa', email });

    const download = page.waitForEvent('download');
    await page.getByTestId('export-download').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^hearth-export-.+\.json$/);
    const exported = JSON.parse(await readFile((await file.path()) ?? '', 'utf8')) as {
      profile: { email: string; name: string };
    };
    expect(exported.profile).toMatchObject({ email, name: 'Exa' });

    const phone = uniquePhone('+4420791');
    await page.getByTestId('add-phone').getByTestId('field-phone').pressSequentially(phone);
    await page.getByTestId('add-phone-send').click();
    await page.getByTestId('add-phone-sent').waitFor();
    const code = page.getByTestId('add-phone').getByTestId('field-code');
    await expect(code.inputValue()).resolves.toBe('');
    await expect(code.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    const [, texted] = await waitForMessage(browser.baseUrl, phone, /add this number is (\d{6})/);
    await page.keyboard.type(texted ?? '');
    await page.getByTestId('add-phone-verify').click();
    await expect(page.getByTestId('account-phone').textContent()).resolves.toBe(phone);
    await expect(page.getByTestId('add-phone').count()).resolves.toBe(0);

    // The number now signs in to the same account.
    await page.getByTestId('nav-sign-out').click();
    await signInWithPhone(page, browser.baseUrl, phone);
    await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email);
    expect(errors.filter((error) => !/\b401\b/.test(error))).toEqual([]);
  });

  it('should add an email and a password to a phone account, then sign in with them', async () => {
    const { page, errors } = await browser.open('/', { viewport: { width: 390, height: 844 } });
    const phone = uniquePhone('+4420792');
    await signInWithPhone(page, browser.baseUrl, phone);
    await expect(page.getByTestId('set-password').count()).resolves.toBe(0);

    // An address another account has is refused next to the field. That account is a phone
    // account too: sign-ups per network are limited, and the other tests need them.
    const taken = uniqueEmail('taken');
    const other = await browser.open('/');
    await signInWithPhone(other.page, browser.baseUrl, uniquePhone('+4420793'));
    await other.page.getByTestId('add-email').getByTestId('field-email').pressSequentially(taken);
    await other.page.getByTestId('add-email-submit').click();
    await other.page.getByTestId('account-email').waitFor();
    await page.getByTestId('add-email').getByTestId('field-email').pressSequentially(taken);
    await page.getByTestId('add-email-submit').click();
    await expect(page.getByTestId('add-email').getByTestId('error-email').textContent()).resolves.toMatch(
      /already exists/,
    );

    const email = uniqueEmail('phone-owner');
    const field = page.getByTestId('add-email').getByTestId('field-email');
    await field.fill('');
    await field.pressSequentially(email);
    await page.getByTestId('add-email-submit').click();
    await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email);
    await waitForMessage(browser.baseUrl, email, /\/verify-email\?token=/);

    await page.getByTestId('set-password').getByTestId('field-password').pressSequentially('short');
    await page.getByTestId('set-password-submit').click();
    await page.getByTestId('set-password').getByTestId('error-password').waitFor();
    const password = page.getByTestId('set-password').getByTestId('field-password');
    await password.fill('');
    await password.pressSequentially(PASSWORD);
    await page.getByTestId('set-password-submit').click();
    await page.getByTestId('change-password').waitFor();
    await screenshot(page, 'account-phone-with-email-390');

    await clickNav(page, 'nav-sign-out');
    await signIn(page, email);
    await expect(page.getByTestId('account-phone').textContent()).resolves.toBe(phone);
    // The refusals above (409 email_taken, 400 weak_password) are the only failed requests.
    expect(errors.filter((error) => !/status of (401|409|400)\b/.test(error))).toEqual([]);
  });
});
