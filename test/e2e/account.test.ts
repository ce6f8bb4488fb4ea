import { describe, expect, it } from 'vitest';
import { PASSWORD, screenshot, signIn, signUp, uniqueEmail } from './accounts.js';
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
    await page.getByTestId('nav-sign-in').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    await signIn(page, email, 'another fine passphrase');
    await expect(page.getByTestId('form-error').textContent()).resolves.toMatch(/incorrect/);
  });
});
