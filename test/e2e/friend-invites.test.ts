import { describe, expect, it } from 'vitest';
import { apiUser, clickNav, signInAs, signInWithPhone, uniqueEmail, uniquePhone, waitForMessage } from './accounts.js';
import { useBrowser } from './browser.js';

describe('friend invites', () => {
  const browser = useBrowser();

  it('should make a newcomer a friend through a personal link, and show a friend’s private session on the sessions page', async () => {
    const tag = Date.now().toString(36);
    const anaName = `Ana ${tag}`;
    const ana = await browser.open('/');
    await signInAs(ana.page, browser.baseUrl, uniquePhone('+4479201'), anaName);
    await clickNav(ana.page, 'nav-friends');

    // Ana makes her link, and emails it to someone too.
    await ana.page.getByTestId('friend-invite-create').click();
    const link = await ana.page.getByTestId('friend-invite-link').inputValue();
    expect(new URL(link).pathname).toBe('/friends/invite');
    const invitee = uniqueEmail('invitee');
    await ana.page.getByTestId('friends-invite').getByLabel('Their email').fill(invitee);
    await ana.page.getByTestId('friend-invite-email').click();
    await expect.poll(() => ana.page.getByTestId('friend-invite-sent').textContent()).toContain(invitee);
    const [emailed] = await waitForMessage(browser.baseUrl, invitee, /https?:\/\/\S+\/friends\/invite\?token=\S+/);
    expect(emailed).toContain('/friends/invite?token=');

    // Ben, on a phone and signed out, opens it: he signs in and comes back to the invite, which makes them friends.
    const ben = await browser.open('/', { viewport: { width: 390, height: 844 } });
    const path = new URL(link);
    await ben.page.goto(`${path.pathname}${path.search}`);
    await ben.page.waitForURL(/\/sign-in\?next=/);
    await signInWithPhone(ben.page, browser.baseUrl, uniquePhone('+4479201'), { here: true });
    await expect.poll(() => ben.page.getByTestId('friend-invite-accepted').textContent()).toContain(anaName);

    // Ana sees Ben among her friends.
    await ana.page.reload();
    await expect.poll(() => ana.page.getByTestId('friend').count()).toBe(1);

    // A friend who hosts a private session: Ben finds it on the sessions page and opens it without a code.
    const cy = await apiUser(browser.baseUrl, uniquePhone('+4479201'), `Cy ${tag}`);
    const cyLink = await cy.call<{ url: string }>('POST', '/api/friends/invite-link');
    const title = `Quiet desk ${tag}`;
    const session = await cy.call<{ id: string }>('POST', '/api/coworking/sessions', {
      title,
      durationMinutes: 25,
      visibility: 'private',
    });
    const cyPath = new URL(cyLink.url);
    await ben.page.goto(`${cyPath.pathname}${cyPath.search}`);
    await expect.poll(() => ben.page.getByTestId('friend-invite-accepted').textContent()).toContain(`Cy ${tag}`);
    await ben.page.getByRole('link', { name: 'Their sessions' }).click();
    const row = ben.page.locator('[data-testid="friends-sessions"] [data-testid="session-row"]', { hasText: title });
    await row.getByRole('link', { name: 'Open' }).click();
    await ben.page.waitForURL(new RegExp(`/sessions/${session.id}$`));
    await expect.poll(() => ben.page.locator('h1').first().textContent()).toContain(title);
    const overflow = await ben.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(ben.errors).toEqual([]);
    expect(ana.errors).toEqual([]);
  });

  it('should say plainly when an invite link does not work', async () => {
    const { page } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4479202'), 'Dee');
    await page.goto('/friends/invite?token=forged');
    await expect.poll(() => page.getByTestId('friend-invite-error').textContent()).toMatch(/invalid or has expired/);
    await page.getByRole('link', { name: 'Go to friends' }).click();
    await page.getByTestId('friends-page').waitFor();
  });
});
