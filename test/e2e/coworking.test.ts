import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiUser, clickNav, screenshot, signInAs, signInWithPhone, uniquePhone, waitForMessage } from './accounts.js';
import { useBrowser } from './browser.js';

type Frame = { type: string; [key: string]: unknown };

/** A session socket from Node: the first frame (the welcome) it receives. */
async function welcomeOf(baseUrl: string, ticketUrl: string): Promise<Frame> {
  const url = new URL(ticketUrl);
  url.host = new URL(baseUrl).host;
  const socket = new WebSocket(url);
  try {
    return await new Promise<Frame>((resolve, reject) => {
      socket.addEventListener('message', (event) => resolve(JSON.parse(String(event.data)) as Frame), { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
  } finally {
    socket.close();
  }
}

/** "24:59" or "1:05:00" as seconds. */
function seconds(text: string | null): number {
  const parts = (text ?? '').trim().split(':').map(Number);
  expect(parts.length, `a countdown, not "${text}"`).toBeGreaterThanOrEqual(2);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

const countdown = (page: Page) => page.getByTestId('countdown').textContent();
const phaseIs = (page: Page, phase: string) =>
  page.locator(`[data-testid="session-phase"][data-phase="${phase}"]`).waitFor();
const connected = (page: Page) => page.locator('[data-testid="chat-status"][data-state="connected"]').waitFor();

/** Both screens' countdowns, read at the same moment. */
async function bothDisplays(a: Page, b: Page): Promise<[number, number]> {
  const [x, y] = await Promise.all([countdown(a), countdown(b)]);
  return [seconds(x), seconds(y)];
}

describe('coworking sessions', () => {
  const browser = useBrowser();

  it('should share one timer between two browsers from lobby to confetti', async () => {
    const host = await browser.open('/');
    const guest = await browser.open('/');
    // The guest's computer clock is 7 minutes fast: the countdown follows the server's clock, not this one.
    await guest.page.clock.install({ time: Date.now() + 7 * 60_000 });
    await signInAs(host.page, browser.baseUrl, uniquePhone('+4478001'), 'Hana');
    await signInAs(guest.page, browser.baseUrl, uniquePhone('+4478002'), 'Gus');

    // The host opens a 30-minute session through the form.
    const title = `Deep work ${Date.now().toString(36)}`;
    await clickNav(host.page, 'nav-sessions');
    await host.page.getByTestId('new-session').click();
    await host.page.getByTestId('field-title').fill(title);
    await host.page.getByTestId('field-durationMinutes').fill('30');
    await host.page.getByTestId('create-session-submit').click();
    await expect(host.page.getByTestId('session-title').textContent()).resolves.toBe(title);
    await phaseIs(host.page, 'lobby');
    await connected(host.page);
    expect(await countdown(host.page)).toBe('30:00');
    const code = (await host.page.getByTestId('session-code').textContent()) ?? '';
    expect(code).toMatch(/^[A-Z0-9]{8}$/);

    // The guest opens the share link and joins remotely, spending one of three passes.
    await guest.page.goto(`/c/${code}`);
    const joinRemote = guest.page.getByTestId('join-remote');
    await expect.poll(() => joinRemote.textContent()).toBe('Join remotely (uses 1 pass, 3 left)');
    await joinRemote.click();
    await connected(guest.page);
    expect(new URL(guest.page.url()).pathname).toMatch(/^\/sessions\//);
    await guest.page.getByTestId('session-chat-note').waitFor();
    expect(await guest.page.getByTestId('session-chat-note').textContent()).toBe(
      'This chat disappears when the session ends.',
    );
    // No host controls for the guest; the host sees the guest appear, marked remote and online.
    expect(await guest.page.getByTestId('host-controls').count()).toBe(0);
    const guestRow = host.page.locator('[data-testid="session-participant"][data-online="true"]', { hasText: 'Gus' });
    await guestRow.waitFor();
    expect(await guestRow.getByTestId('participant-mode').textContent()).toBe('Remote');

    // Start: both show the same running countdown, within a second.
    await host.page.getByTestId('host-start').click();
    await Promise.all([phaseIs(host.page, 'running'), phaseIs(guest.page, 'running')]);
    await sleep(1200);
    const [hostRunning, guestRunning] = await bothDisplays(host.page, guest.page);
    expect(Math.abs(hostRunning - guestRunning)).toBeLessThanOrEqual(1);
    expect(hostRunning).toBeLessThan(30 * 60);
    expect(hostRunning).toBeGreaterThan(29 * 60);

    // Pause: both stop on the same frozen time, and it stays frozen.
    await host.page.getByTestId('host-pause').click();
    await Promise.all([phaseIs(host.page, 'paused'), phaseIs(guest.page, 'paused')]);
    const frozen = await bothDisplays(host.page, guest.page);
    expect(frozen[0]).toBe(frozen[1]);
    await sleep(1500);
    expect(await bothDisplays(host.page, guest.page)).toEqual(frozen);

    // Resume and extend by 5 minutes: both count on from the frozen time, 5 minutes longer.
    await host.page.getByTestId('host-resume').click();
    await Promise.all([phaseIs(host.page, 'running'), phaseIs(guest.page, 'running')]);
    await host.page.getByTestId('host-extend5').click();
    await expect.poll(async () => seconds(await countdown(guest.page))).toBeGreaterThan(frozen[0] + 4 * 60);
    const [hostExtended, guestExtended] = await bothDisplays(host.page, guest.page);
    expect(Math.abs(hostExtended - guestExtended)).toBeLessThanOrEqual(1);
    expect(hostExtended).toBeLessThanOrEqual(frozen[0] + 5 * 60);

    // The guest's clock jumps 20 minutes further ahead while the tab is away (a time sync after sleep): coming back
    // to the tab measures the offset to the server again, and the two screens agree once more.
    await guest.page.clock.setSystemTime(Date.now() + 27 * 60_000);
    await expect.poll(async () => Math.abs(seconds(await countdown(guest.page)) - hostExtended)).toBeGreaterThan(60);
    await guest.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await expect
      .poll(async () => {
        const [a, b] = await bothDisplays(host.page, guest.page);
        return Math.abs(a - b);
      })
      .toBeLessThanOrEqual(1);
    await connected(guest.page);

    // A late joiner (over the API) is welcomed with the running timer the screens show.
    const sessionId = (await host.page.getByTestId('session').getAttribute('data-session-id')) ?? '';
    const late = await apiUser(browser.baseUrl, uniquePhone('+4478003'), 'Lia');
    await late.call('POST', `/api/coworking/sessions/${sessionId}/join`, { code, remote: true });
    const { url } = await late.call<{ url: string }>('POST', `/api/coworking/sessions/${sessionId}/ticket`);
    const welcome = await welcomeOf(browser.baseUrl, url);
    const timer = welcome.timer as { phase: string; remainingMs: number };
    expect(timer.phase).toBe('running');
    const shownNow = seconds(await countdown(host.page));
    expect(Math.abs(timer.remainingMs / 1000 - shownNow)).toBeLessThanOrEqual(2);

    // The chat works while the session runs.
    await guest.page.getByTestId('chat-input').fill('Starting on the report');
    await guest.page.getByTestId('chat-input').press('Enter');
    await host.page.getByTestId('chat-text').filter({ hasText: 'Starting on the report' }).waitFor();

    // A reaction crosses: the guest clicks 🔥, the host sees it float up.
    await guest.page.locator('[data-testid="reaction-button"][data-emoji="🔥"]').click();
    await host.page.locator('[data-testid="reaction-float"][data-emoji="🔥"]').waitFor();

    // The host ends the session: confetti and "ended" on both screens, and the chat is gone.
    await host.page.getByTestId('host-end').click();
    await host.page.getByTestId('confirm').click();
    await Promise.all([phaseIs(host.page, 'ended'), phaseIs(guest.page, 'ended')]);
    for (const { page } of [host, guest]) {
      await page.getByTestId('confetti').waitFor({ state: 'attached' });
      await page.getByTestId('session-chat-gone').waitFor();
      expect(await page.getByTestId('chat-input').count()).toBe(0);
      expect(await page.getByTestId('chat-text').count()).toBe(0);
      expect(await countdown(page)).toBe('00:00');
    }
    await screenshot(guest.page, 'coworking-ended');
    // The ephemeral chat is gone for good: a fresh load shows no message either.
    await guest.page.reload();
    await phaseIs(guest.page, 'ended');
    expect(await guest.page.getByTestId('chat-text').count()).toBe(0);
    expect([...host.errors, ...guest.errors]).toEqual([]);
    expect([...host.offsiteRequests, ...guest.offsiteRequests]).toEqual([]);
  }, 90_000);

  it('should hand the session over, let the new host remove someone, and download it for a calendar', async () => {
    const host = await browser.open('/');
    const guest = await browser.open('/');
    await signInAs(host.page, browser.baseUrl, uniquePhone('+4478007'), 'Hedda');
    await signInAs(guest.page, browser.baseUrl, uniquePhone('+4478008'), 'Gert');

    const title = `Hand-over ${Date.now().toString(36)}`;
    await clickNav(host.page, 'nav-sessions');
    await host.page.getByTestId('new-session').click();
    await host.page.getByTestId('field-title').fill(title);
    await host.page.getByTestId('field-durationMinutes').fill('25');
    await host.page.getByTestId('create-session-submit').click();
    await connected(host.page);
    const code = (await host.page.getByTestId('session-code').textContent()) ?? '';
    const sessionId = (await host.page.getByTestId('session').getAttribute('data-session-id')) ?? '';

    // A third person joins over the API, then the guest through the share link.
    const thirdPhone = uniquePhone('+4478009');
    const third = await apiUser(browser.baseUrl, thirdPhone, 'Tove');
    await third.call('POST', `/api/coworking/sessions/${sessionId}/join`, { code, remote: true });
    // They have the session open too, in their own browser.
    const thirdScreen = await browser.open('/');
    await signInWithPhone(thirdScreen.page, browser.baseUrl, thirdPhone);
    await thirdScreen.page.goto(`/sessions/${sessionId}`);
    await connected(thirdScreen.page);
    await guest.page.goto(`/c/${code}`);
    await guest.page.getByTestId('join-remote').click();
    await connected(guest.page);
    expect(await guest.page.getByTestId('host-controls').count()).toBe(0);
    expect(await guest.page.getByTestId('participant-make-host').count()).toBe(0);

    // The host hands over to the guest, after confirming: the controls move to the guest's screen.
    const gertOnHost = host.page.getByTestId('session-participant').filter({ hasText: 'Gert' });
    await gertOnHost.getByTestId('participant-make-host').click();
    await host.page.getByTestId('confirm').click();
    await guest.page.getByTestId('host-controls').waitFor();
    await host.page.getByTestId('host-controls').waitFor({ state: 'detached' });
    expect(await host.page.getByTestId('participant-make-host').count()).toBe(0);
    await expect
      .poll(() =>
        guest.page
          .getByTestId('session-participant')
          .filter({ hasText: 'Gert' })
          .getByTestId('participant-mode')
          .textContent(),
      )
      .toBe('Host');

    // The new host removes the third person: gone from the list, and they cannot join again.
    const toveOnGuest = guest.page.getByTestId('session-participant').filter({ hasText: 'Tove' });
    await toveOnGuest.getByTestId('participant-remove').click();
    await guest.page.getByTestId('confirm').click();
    await toveOnGuest.waitFor({ state: 'detached' });
    await expect(
      third.call('POST', `/api/coworking/sessions/${sessionId}/join`, { code, remote: true }),
    ).rejects.toThrow(/: 403 /);
    // Their screen says so, with no way to reconnect, and leads back to the sessions.
    await thirdScreen.page.getByTestId('session-removed').waitFor();
    expect(await thirdScreen.page.getByTestId('chat-retry').count()).toBe(0);
    expect(await thirdScreen.page.getByTestId('chat-input').count()).toBe(0);
    await thirdScreen.page.getByTestId('session-removed-back').click();
    await thirdScreen.page.waitForURL((url) => url.pathname === '/sessions');

    // "Add to calendar" downloads the session as an .ics file.
    const [download] = await Promise.all([
      host.page.waitForEvent('download'),
      host.page.getByTestId('session-calendar').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`hearth-session-${sessionId}.ics`);
    const text = await readFile(await download.path(), 'utf8');
    expect(text.startsWith('BEGIN:VCALENDAR')).toBe(true);
    expect(text).toContain(title);
    expect([...host.errors, ...guest.errors, ...thirdScreen.errors]).toEqual([]);
  }, 90_000);

  it('should find a session nearby after asking for the location, join it in person, and open one by code', async () => {
    const host = await apiUser(browser.baseUrl, uniquePhone('+4478005'), 'Olu');
    const cafe = { lat: 51.5007, lng: -0.1246 };
    const open = await host.call<{ id: string; title: string }>('POST', '/api/coworking/sessions', {
      title: `Café sprint ${Date.now().toString(36)}`,
      durationMinutes: 45,
      visibility: 'public',
      location: cafe,
    });
    const secret = await host.call<{ shareCode: string; title: string }>('POST', '/api/coworking/sessions', {
      title: `Private sprint ${Date.now().toString(36)}`,
      durationMinutes: 25,
      visibility: 'private',
    });

    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4478006'), 'Ines');
    await clickNav(page, 'nav-sessions');
    await expect.poll(() => page.getByTestId('pass-balance').textContent()).toBe('3');

    // Refused: the page says why and what to do.
    await page.getByTestId('find-nearby').click();
    await expect.poll(() => page.getByTestId('nearby-problem').textContent()).toMatch(/refused/);

    // Allowed, about 20 m from the café: the session is listed with its distance, and joined in person.
    await page.context().grantPermissions(['geolocation']);
    await page.context().setGeolocation({ latitude: cafe.lat + 0.00018, longitude: cafe.lng, accuracy: 10 });
    await page.getByTestId('find-nearby').click();
    const row = page.getByTestId('nearby-list').getByTestId('session-row').filter({ hasText: open.title });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/2\d m away/);
    await row.getByRole('link', { name: open.title }).click();
    await page.getByTestId('join-in-person').click();
    await connected(page);
    const me = page.locator('[data-testid="session-participant"]', { hasText: 'Ines' });
    await expect.poll(() => me.getByTestId('participant-mode').textContent()).toBe('In person');

    // A private session by its code, typed on the sessions page; in person cost no pass.
    await clickNav(page, 'nav-sessions');
    await expect.poll(() => page.getByTestId('pass-balance').textContent()).toBe('3');
    await page.getByTestId('field-code').fill(secret.shareCode.toLowerCase());
    await page.getByTestId('join-code-submit').click();
    await expect.poll(() => page.getByTestId('session-title').textContent()).toBe(secret.title);
    await expect.poll(() => page.getByTestId('join-remote').textContent()).toBe('Join remotely (uses 1 pass, 3 left)');
    expect(await page.getByTestId('join-in-person').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('should let the host invite friends from the session page', async () => {
    const hostPhone = uniquePhone('+4478009');
    const kaiPhone = uniquePhone('+4478010');
    const host = await apiUser(browser.baseUrl, hostPhone, 'Hosea');
    const kai = await apiUser(browser.baseUrl, kaiPhone, 'Kai');
    const hostMe = await host.call<{ id: string }>('GET', '/api/users/me');
    const kaiMe = await kai.call<{ id: string }>('GET', '/api/users/me');
    await host.call('POST', '/api/friends/request', { userId: kaiMe.id });
    await kai.call('POST', '/api/friends/accept', { userId: hostMe.id });
    const created = await host.call<{ id: string }>('POST', '/api/coworking/sessions', {
      title: `Invite round ${Date.now().toString(36)}`,
      durationMinutes: 30,
      visibility: 'private',
    });

    const { page, errors } = await browser.open('/');
    await signInWithPhone(page, browser.baseUrl, hostPhone);
    await page.goto(`/sessions/${created.id}`);
    await connected(page);
    await page.getByTestId('invite-friends-toggle').click();
    await page.getByRole('checkbox', { name: 'Kai' }).check();
    await page.getByTestId('invite-friends-send').click();
    await expect.poll(() => page.getByTestId('invite-friends-sent').textContent()).toBe('Invited 1 friend.');
    const [text] = await waitForMessage(browser.baseUrl, kaiPhone, /invites you to cowork[^\n]*/);
    expect(text).toContain('Invite round');
    expect(errors).toEqual([]);
  });

  it('should fit the session page on a phone', async () => {
    const phone = await browser.open('/', { viewport: { width: 390, height: 844 } });
    await signInAs(phone.page, browser.baseUrl, uniquePhone('+4478004'), 'Pia');
    await clickNav(phone.page, 'nav-sessions');
    await phone.page.getByTestId('new-session').click();
    await phone.page.getByTestId('field-title').fill('A long title for a focus session on a small screen');
    await phone.page.getByTestId('field-durationMinutes').fill('90');
    await phone.page.getByTestId('create-session-submit').click();
    await connected(phone.page);
    expect(await countdown(phone.page)).toBe('1:30:00');
    await phone.page.getByTestId('host-start').click();
    await phaseIs(phone.page, 'running');
    for (const id of ['countdown', 'host-pause', 'reactions-bar', 'chat-input']) {
      expect(await phone.page.getByTestId(id).isVisible(), id).toBe(true);
    }
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone.page, 'coworking-phone');
    expect(phone.errors).toEqual([]);
  }, 60_000);
});
