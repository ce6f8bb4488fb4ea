import { describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  emailedLink,
  ownNetwork,
  PASSWORD,
  screenshot,
  signIn,
  signUp,
  uniquePhone,
  waitForMessage,
} from './accounts.js';
import { useBrowser } from './browser.js';

/** A phone account made through the API: it does not spend the per-network sign-up allowance. */
async function phoneUser(baseUrl: string, phone: string): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...network },
      body: JSON.stringify(body),
    });
  const network = ownNetwork();
  expect((await post('/api/auth/otp/request', { phone })).status).toBe(202);
  const [, code] = await waitForMessage(baseUrl, phone, /(\d{6})/);
  const res = await post('/api/auth/otp/verify', { phone, code });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** The admin's access token, from a sign-in through the API. */
async function adminToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

// The admin is bootstrapped from ADMIN_EMAILS, which only the app global-setup starts has.
describe.skipIf(process.env.E2E_BASE_URL)('admin screens', () => {
  const browser = useBrowser();

  it('should make the ADMIN_EMAILS account an admin once verified, and let it deactivate a user', async () => {
    const phone = uniquePhone('+4420794');
    const targetToken = await phoneUser(browser.baseUrl, phone);
    const { page, errors } = await browser.open('/');

    await signUp(page, { name: 'Admin Ada', email: ADMIN_EMAIL });
    await page.getByTestId('resend-verification').waitFor();
    await page.getByTestId('link-linkedin').waitFor();
    await screenshot(page, 'account');
    await expect(page.getByTestId('nav-admin').count()).resolves.toBe(0);

    await page.goto(await emailedLink(browser.baseUrl, ADMIN_EMAIL, '/verify-email'));
    await page.getByTestId('verify-done').waitFor();
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('user-row').first().waitFor();
    await screenshot(page, 'admin-users');

    await page.getByTestId('user-search').fill(phone.slice(1));
    await page.getByTestId('user-search').press('Enter');
    const row = page.locator('[data-testid="user-row"]', { hasText: phone });
    // The first page of users was showing; wait for the search's answer to replace it.
    await expect.poll(() => page.getByTestId('user-row').count()).toBe(1);
    await row.waitFor();

    // Deactivating asks first; cancelling changes nothing.
    await row.getByTestId('toggle-status').click();
    await page.getByTestId('confirm-dialog').waitFor();
    await screenshot(page, 'admin-confirm');
    await page.keyboard.press('Escape');
    await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
    await expect(row.getByTestId('user-status').getAttribute('data-state')).resolves.toBe('active');

    await row.getByTestId('toggle-status').click();
    await page.getByTestId('confirm').click();
    await row.locator('[data-testid="user-status"][data-state="deactivated"]').waitFor();

    // The deactivated account's sessions ended at once.
    const me = await fetch(browser.url('/api/users/me'), { headers: { Authorization: `Bearer ${targetToken}` } });
    expect(me.status).toBe(401);

    // Filters: "Deactivated" lists the deactivated user and not the (active) admin.
    await page.getByTestId('user-search').fill('');
    await page.getByTestId('status-filter').selectOption('deactivated');
    const statuses = () =>
      page
        .locator('[data-testid="user-list"][aria-busy="false"] [data-testid="user-status"]')
        .evaluateAll((badges) => badges.map((badge) => badge.getAttribute('data-state')));
    await expect.poll(statuses).toEqual(['deactivated']);
    await row.waitFor();

    await row.getByTestId('toggle-status').click();
    await row.locator('[data-testid="user-status"][data-state="active"]').waitFor();
    expect(errors).toEqual([]);
  });

  it('should renew an expired token once for requests that fail together, and retry them', async () => {
    const { page } = await browser.open('/sign-in');
    await signIn(page, ADMIN_EMAIL);
    await page.getByTestId('nav-admin').waitFor();

    let refreshes = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/auth/refresh') refreshes += 1;
    });
    // The users page asks for users and roles at once; both meet an expired token. A slow
    // refresh makes sure the second 401 arrives while the first renewal is still in flight.
    await page.route('**/api/auth/refresh', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.fallback();
    });
    const expired = new Set<string>();
    await page.route(/\/api\/(admin\/users|roles)(\?|$)/, (route) => {
      const { pathname } = new URL(route.request().url());
      if (expired.has(pathname)) return route.fallback();
      expired.add(pathname);
      return route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Token expired', status: 401, code: 'token_expired' }),
      });
    });

    await page.getByTestId('nav-admin').click();
    await page.locator('[data-testid="user-row"]', { hasText: 'Admin Ada' }).waitFor();
    await page.locator('[data-testid="role-filter"] option[value="admin"]').waitFor({ state: 'attached' });
    expect([...expired].sort()).toEqual(['/api/admin/users', '/api/roles']);
    expect(refreshes).toBe(1);
  });

  it('should create a role, grant it inline and delete it', async () => {
    const phone = uniquePhone('+4420795');
    await phoneUser(browser.baseUrl, phone);
    const { page, errors } = await browser.open('/sign-in');
    await signIn(page, ADMIN_EMAIL);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('tab-roles').click();

    await page.locator('[data-testid="role-row"][data-role="admin"]').waitFor();
    await expect(
      page.locator('[data-testid="role-row"][data-role="admin"] [data-testid="delete-role"]').count(),
    ).resolves.toBe(0);
    await page.getByTestId('field-name').fill('moderator');
    await page.getByTestId('field-description').fill('Keeps rooms friendly');
    await page.getByTestId('create-role-submit').click();
    const role = page.locator('[data-testid="role-row"][data-role="moderator"]');
    await role.waitFor();
    await screenshot(page, 'admin-roles');

    await page.getByTestId('field-name').fill('moderator');
    await page.getByTestId('create-role-submit').click();
    await page.getByTestId('error-name').waitFor();

    await page.getByTestId('tab-users').click();
    await page.getByTestId('user-search').fill(phone.slice(1));
    await page.getByTestId('user-search').press('Enter');
    const row = page.locator('[data-testid="user-row"]', { hasText: phone });
    await row.waitFor();
    await row.getByTestId('add-role').selectOption('moderator');
    await row.locator('.chip[data-role="moderator"]').waitFor();

    await page.getByTestId('tab-roles').click();
    await role.getByTestId('delete-role').click();
    await page.getByTestId('confirm').click();
    await role.waitFor({ state: 'detached' });
    // Only the refused duplicate failed.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });

  it('should edit a role’s permissions with checkboxes, and keep them ticked after a reload', async () => {
    const { page, errors } = await browser.open('/sign-in');
    await signIn(page, ADMIN_EMAIL);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('tab-roles').click();

    // The built-in admin role shows every permission ticked, and none can be unticked.
    const adminRole = page.locator('[data-testid="role-row"][data-role="admin"]');
    await adminRole.getByTestId('permission-users.manage').waitFor();
    const adminBoxes = adminRole.locator('input[type="checkbox"]');
    expect(await adminBoxes.count()).toBeGreaterThan(5);
    expect(await adminBoxes.evaluateAll((boxes) => boxes.every((box) => (box as HTMLInputElement).checked))).toBe(true);
    expect(await adminBoxes.evaluateAll((boxes) => boxes.every((box) => (box as HTMLInputElement).disabled))).toBe(
      true,
    );

    // A new role, typed in, with one permission ticked in the form.
    const form = page.getByTestId('create-role');
    await form.getByTestId('field-name').click();
    await page.keyboard.type('auditor');
    await form.getByTestId('field-description').pressSequentially('Reads the audit log');
    await form.getByTestId('permission-audit.read').check();
    await form.getByTestId('create-role-submit').click();
    const role = page.locator('[data-testid="role-row"][data-role="auditor"]');
    await role.waitFor();
    expect(await role.getByTestId('permission-audit.read').isChecked()).toBe(true);
    expect(await role.getByTestId('permission-rooms.moderate').isChecked()).toBe(false);
    expect(await role.getByTestId('save-permissions').isDisabled()).toBe(true);

    // Tick one more and save.
    await role.locator('[data-permission="rooms.moderate"]').click();
    await role.getByTestId('save-permissions').click();
    await role.getByTestId('permissions-saved').waitFor();
    await screenshot(page, 'admin-role-permissions');

    await page.reload();
    await role.getByTestId('permission-rooms.moderate').waitFor();
    expect(await role.getByTestId('permission-rooms.moderate').isChecked()).toBe(true);
    expect(await role.getByTestId('permission-audit.read').isChecked()).toBe(true);
    expect(await role.getByTestId('permission-users.manage').isChecked()).toBe(false);

    // Untick one with the keyboard: focus it, Space, then save.
    await role.getByTestId('permission-audit.read').focus();
    await page.keyboard.press('Space');
    await role.getByTestId('save-permissions').click();
    await role.getByTestId('permissions-saved').waitFor();
    await page.reload();
    await role.getByTestId('permission-rooms.moderate').waitFor();
    expect(await role.getByTestId('permission-audit.read').isChecked()).toBe(false);
    expect(await role.getByTestId('permission-rooms.moderate').isChecked()).toBe(true);

    const listed = await fetch(browser.url('/api/roles'), {
      headers: { Authorization: `Bearer ${await adminToken(browser.baseUrl)}` },
    });
    const { items } = (await listed.json()) as { items: { name: string; permissions: string[] }[] };
    expect(items.find((item) => item.name === 'auditor')?.permissions).toEqual(['rooms.moderate']);
    expect(errors).toEqual([]);
  });

  it('should page through the audit log and filter it by email and action', async () => {
    const token = await adminToken(browser.baseUrl);
    // 55 profile changes (the last puts the name back): more than one page (50) of user.update events.
    for (let i = 0; i < 55; i++) {
      const res = await fetch(browser.url('/api/users/me'), {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: i === 54 ? 'Admin Ada' : `Admin Ada ${i}` }),
      });
      expect(res.status).toBe(200);
    }

    const { page, errors } = await browser.open('/sign-in');
    await signIn(page, ADMIN_EMAIL);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('tab-audit-log').click();
    const rows = page.getByTestId('audit-row');
    await rows.first().waitFor();
    await screenshot(page, 'admin-audit-log');

    await page.getByTestId('filter-action').selectOption('user.update');
    await page.getByTestId('filter-email').click();
    await page.keyboard.type('ADMIN@e2e');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('user.update');
    expect(new URL(page.url()).searchParams.get('email')).toBe('ADMIN@e2e');
    const actions = () =>
      page
        .locator('[data-testid="audit-table"][aria-busy="false"] [data-testid="audit-row"]')
        .evaluateAll((found) => found.map((row) => row.getAttribute('data-action')));
    await expect.poll(async () => (await actions()).length).toBe(50);
    expect(new Set(await actions())).toEqual(new Set(['user.update']));
    await expect(rows.first().textContent()).resolves.toContain(ADMIN_EMAIL);

    await page.getByTestId('load-more').click();
    await expect.poll(async () => (await actions()).length).toBeGreaterThanOrEqual(55);
    expect(new Set(await actions())).toEqual(new Set(['user.update']));

    // A failure filter: the admin has no failed profile changes.
    await page.getByTestId('filter-outcome').selectOption('failure');
    await page.getByTestId('apply-filters').click();
    await page.getByTestId('no-events').waitFor();
    await page.getByTestId('clear-filters').click();
    await expect.poll(() => new URL(page.url()).search).toBe('');
    await rows.first().waitFor();
    expect(errors).toEqual([]);
  });

  it('should ask before an admin removes their own admin role, and keep it when cancelled', async () => {
    const { page, errors } = await browser.open('/sign-in');
    await signIn(page, ADMIN_EMAIL);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('user-search').click();
    await page.keyboard.type(ADMIN_EMAIL);
    await page.keyboard.press('Enter');
    const me = page.locator('[data-testid="user-row"]', { hasText: 'You' });
    await me.waitFor();

    await me.getByRole('button', { name: /^Remove role admin from/ }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('Remove your own admin role?');
    await screenshot(page, 'admin-remove-own-role');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await me.locator('.chip[data-role="admin"]').waitFor();

    const res = await fetch(browser.url('/api/users/me'), {
      headers: { Authorization: `Bearer ${await adminToken(browser.baseUrl)}` },
    });
    expect(((await res.json()) as { roles: string[] }).roles).toContain('admin');
    expect(errors).toEqual([]);
  });
});
