import { describe, expect, it } from 'vitest';
import {
  clickNav,
  emailedLink,
  PASSWORD,
  registerByApi,
  screenshot,
  scriptReadableStorage,
  signIn,
  signInWithPhone,
  signUp,
  uniqueEmail,
  uniquePhone,
  waitForMessage,
} from './accounts.js';
import { useBrowser } from './browser.js';

describe('accounts in the web app', () => {
  const browser = useBrowser();

  it('should sign up, sign out, sign in and stay signed in across a reload without storing the token', async () => {
    const { page, errors } = await browser.open('/');
    const email = uniqueEmail('ada');

    await signUp(page, { name: 'Ada Lovelace', email });
    await expect(page.getByTestId('nav-user-name').textContent()).resolves.toBe('Ada Lovelace');
    expect(new URL(page.url()).pathname).toBe('/account');
    await expect(page.getByTestId('email-status').getAttribute('data-state')).resolves.toBe('unverified');

    await page.getByTestId('nav-sign-out').click();
    await page.getByTestId('nav-sign-in').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    // A protected page sends a signed-out visitor to sign in, then back.
    await page.goto('/account/devices');
    await page.getByTestId('sign-in').waitFor();
    expect(new URL(page.url()).search).toBe(`?next=${encodeURIComponent('/account/devices')}`);
    await screenshot(page, 'sign-in');
    await signIn(page, email);
    await page.getByTestId('devices').waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/devices');

    await page.reload();
    await expect(page.getByTestId('nav-user-name').textContent()).resolves.toBe('Ada Lovelace');
    await page.getByTestId('device-list').waitFor();

    // The access token lives in memory only; the refresh cookie is HttpOnly, so scripts see neither.
    const storage = await scriptReadableStorage(page);
    expect(storage).toBe(JSON.stringify({ local: {}, session: {}, cookie: '' }));

    // Signed in but not an admin.
    await page.goto('/admin/users');
    await page.getByTestId('forbidden').waitFor();
    await expect(page.getByTestId('nav-admin').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });

  it('should renew the access token shortly before it expires', async () => {
    const { page, errors } = await browser.open('/');
    // Fake timers that still run in real time, so fifteen minutes can pass in an instant.
    await page.clock.install();
    await signInWithPhone(page, browser.baseUrl, uniquePhone('+3361234'));

    let refreshes = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/auth/refresh') refreshes += 1;
    });
    await page.clock.fastForward('13:00');
    expect(refreshes).toBe(0);
    const renewed = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/refresh');
    await page.clock.fastForward('01:30'); // the token lives 15 minutes; renewal is due a minute before
    expect((await renewed).status()).toBe(200);
    expect(refreshes).toBe(1);

    await page.getByTestId('tab-devices').click();
    await page.getByTestId('this-device').waitFor();
    expect(errors).toEqual([]);
  });

  it('should show problems next to the fields they concern and focus the first', async () => {
    const { page } = await browser.open('/sign-up');
    const email = uniqueEmail('grace');

    await page.getByTestId('field-email').fill(email);
    await page.getByTestId('field-password').fill('short');
    await page.getByTestId('submit').click();
    await page.getByTestId('error-password').waitFor();
    await expect(page.getByTestId('error-password').textContent()).resolves.toMatch(/at least 8 characters/);
    const password = page.getByTestId('field-password');
    await expect(password.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    const errorId = await page.getByTestId('error-password').getAttribute('id');
    expect(describedBy.split(' ')).toContain(errorId);
    await expect(password.evaluate((element) => element === document.activeElement)).resolves.toBe(true);

    await registerByApi(browser.baseUrl, email, 'Grace');
    await password.fill(PASSWORD);
    await page.getByTestId('submit').click();
    await page.getByTestId('error-email').waitFor();
    await expect(page.getByTestId('error-email').textContent()).resolves.toMatch(/already exists/);
    await expect(page.getByTestId('field-password').getAttribute('aria-invalid')).resolves.toBe(null);
    await page.getByTestId('email-taken-help').waitFor();
  });

  it('should reset a forgotten password from the emailed link', async () => {
    const email = uniqueEmail('hedy');
    await registerByApi(browser.baseUrl, email, 'Hedy');
    const { page, errors } = await browser.open('/sign-in');

    await page.getByTestId('forgot-password-link').click();
    await page.getByTestId('field-email').fill(email);
    await page.getByTestId('submit').click();
    await expect(page.getByTestId('reset-requested').textContent()).resolves.toMatch(/If an account exists/);

    await page.goto(await emailedLink(browser.baseUrl, email, '/reset-password'));
    const newPassword = 'a brand new passphrase';
    await page.getByTestId('field-password').fill(newPassword);
    await page.getByTestId('submit').click();
    await page.getByTestId('reset-done').waitFor();
    // Resetting does not sign in.
    await page.getByTestId('nav-sign-in').waitFor();
    await page.getByTestId('reset-sign-in').click();

    await signIn(page, email, PASSWORD);
    await expect(page.getByTestId('form-error').textContent()).resolves.toMatch(/incorrect/);
    await signIn(page, email, newPassword);
    await expect(page.getByTestId('nav-user-name').textContent()).resolves.toBe('Hedy');
    expect(errors.filter((error) => !/\b401\b/.test(error))).toEqual([]);
  });

  it('should sign another device out from the devices page', async () => {
    const email = uniqueEmail('katherine');
    const other = await browser.open('/');
    await signUp(other.page, { name: 'Katherine', email });

    const { page } = await browser.open('/sign-in');
    await signIn(page, email);
    await page.getByTestId('nav-user-name').waitFor();
    await page.getByTestId('nav-account').click();
    await page.getByTestId('tab-devices').click();

    const devices = page.getByTestId('device');
    await page.getByTestId('this-device').waitFor();
    await expect(devices.count()).resolves.toBe(2);
    await expect(page.locator('[data-current="true"]').getByTestId('device-last-active').textContent()).resolves.toBe(
      'Active now',
    );
    await expect(
      page.locator('[data-current="false"]').getByTestId('device-last-active').textContent(),
    ).resolves.toMatch(/^(Active just now|Last active .+ ago)$/);
    await screenshot(page, 'devices');
    await page.getByTestId('revoke').click();
    await page.locator('[data-testid="device"][data-current="false"]').waitFor({ state: 'detached' });
    await expect(devices.count()).resolves.toBe(1);

    // The other browser's next API call finds its session ended, and it is signed out.
    await other.page.getByTestId('tab-devices').click();
    await other.page.getByTestId('session-ended').waitFor();
    await other.page.getByTestId('nav-sign-in').waitFor();
    expect(new URL(other.page.url()).pathname).toBe('/sign-in');
  });

  it.each([
    ['on a desktop', { width: 1280, height: 800 }],
    ['on a phone', { width: 390, height: 844 }],
  ])('should sign in with a texted code typed on the keyboard %s', async (_, viewport) => {
    const { page, errors } = await browser.open('/sign-in', { viewport });
    const phone = uniquePhone('+1415555');

    await page.getByTestId('switch-method').click();
    await page.getByTestId('field-phone').click();
    await page.keyboard.type(phone);
    await page.keyboard.press('Enter');
    await page.getByTestId('code-sent').waitFor();

    // A separate, empty field for the code has the focus, with the hints a phone keyboard needs.
    const code = page.getByTestId('field-code');
    await expect(code.inputValue()).resolves.toBe('');
    await expect(code.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
    await expect(code.getAttribute('autocomplete')).resolves.toBe('one-time-code');
    await expect(code.getAttribute('inputmode')).resolves.toBe('numeric');
    await screenshot(page, `phone-code-${viewport.width}`);

    await page.keyboard.type('000000');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('error-code').textContent()).resolves.toMatch(/not correct/);

    const [, texted] = await waitForMessage(browser.baseUrl, phone, /(\d{6})/);
    await code.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(texted ?? '');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('nav-user-name').textContent()).resolves.toBe(phone);
    await expect(page.getByTestId('account-phone').textContent()).resolves.toBe(phone);
    // A number new to Hearth has just made its account: welcomed, not welcomed back.
    await expect(page.getByTestId('greeting').textContent()).resolves.toBe('Welcome to Hearth! Your account is ready.');

    await clickNav(page, 'nav-sign-out');
    await signInWithPhone(page, browser.baseUrl, phone);
    await expect(page.getByTestId('greeting').textContent()).resolves.toBe(`Welcome back, ${phone}.`);
    expect(errors.filter((error) => !/\b401\b/.test(error))).toEqual([]);
  });

  it('should log nothing in the console on a signed-out first visit', async () => {
    const { page } = await browser.open('/sign-in');
    // Every console error, the session check's included (the shared filter would hide a 401 there).
    const logged: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') logged.push(message.text());
    });
    for (const pathname of ['/', '/sign-in', '/sign-up']) {
      const check = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/refresh');
      await page.goto(pathname);
      expect((await check).status()).toBe(204);
      await page.getByTestId('nav-sign-in').waitFor();
    }
    expect(logged).toEqual([]);
  });

  it('should show every invalid field of the sign-up form at once', async () => {
    const { page } = await browser.open('/sign-up');
    await page.getByTestId('field-email').pressSequentially('not-an-email');
    await page.getByTestId('field-password').pressSequentially('short');
    await page.getByTestId('submit').click();
    await page.getByTestId('error-email').waitFor();
    await expect(page.getByTestId('error-password').textContent()).resolves.toMatch(/at least 8 characters/);
    await expect(page.getByTestId('field-email').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByTestId('field-password').getAttribute('aria-invalid')).resolves.toBe('true');
    // Focus lands on the first problem.
    await expect(
      page.getByTestId('field-email').evaluate((element) => element === document.activeElement),
    ).resolves.toBe(true);
  });

  it('should point to the development outbox after sign-up and open the verification link from it', async () => {
    const { page, errors } = await browser.open('/');
    const email = uniqueEmail('outbox');
    await signUp(page, { name: 'Olive', email });
    await page.getByTestId('dev-outbox-banner').waitFor();
    await page.getByTestId('dev-outbox-link').click();
    await page.getByTestId('outbox-list').waitFor();
    expect(new URL(page.url()).pathname).toBe('/dev/outbox');

    // Newest first: the verification mail just sent is at the top.
    const newest = page.getByTestId('outbox-message').first();
    await expect(newest.getByTestId('outbox-to').textContent()).resolves.toBe(email);
    await screenshot(page, 'dev-outbox');
    await newest.getByTestId('outbox-link').click();
    await page.getByTestId('verify-done').waitFor();
    await page.goto('/account');
    await expect(page.getByTestId('email-status').getAttribute('data-state')).resolves.toBe('verified');
    await expect(page.getByTestId('dev-outbox-banner').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });

  it('should offer configured providers, explain OAuth failures and say when to retry', async () => {
    const { page } = await browser.open('/sign-in?error=account_exists');

    await expect(page.getByTestId('provider-linkedin').getAttribute('href')).resolves.toBe('/api/auth/oauth/linkedin');
    await expect(page.getByTestId('provider-linkedin').textContent()).resolves.toBe('Continue with LinkedIn');
    await expect(page.getByTestId('oauth-error').textContent()).resolves.toMatch(/already exists/);
    await page.goto('/sign-in?error=oauth_state');
    await expect(page.getByTestId('oauth-error').textContent()).resolves.toMatch(/another browser/);
    // Linking a provider from the account page comes back to the home page.
    await page.goto('/?linked=linkedin');
    // The provider's display name arrives with /api/meta: wait for it rather than read the first render.
    await page
      .getByTestId('link-done')
      .filter({ hasText: /^LinkedIn is now linked/ })
      .waitFor();
    await page.goto('/?error=oauth_identity_in_use');
    await expect(page.getByTestId('link-error').textContent()).resolves.toMatch(/another Hearth account/);

    // The server's limits are tested against the API; here, what a throttled person reads.
    await page.route('**/api/auth/login', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'Retry-After': '42' },
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, code: 'rate_limited' }),
      }),
    );
    await signIn(page, uniqueEmail('mary'), 'not the password');
    await expect(page.getByTestId('form-error').textContent()).resolves.toBe('Too many attempts. Try again in 42 s.');
  });
});
