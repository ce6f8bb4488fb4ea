import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiUser, clickNav, grantAdmin, screenshot, signInAs, uniquePhone } from './accounts.js';
import { useBrowser } from './browser.js';

const STORED_TEXT = '[data-testid="chat-message"]:not([data-pending]) [data-testid="chat-text"]';
const storedMessage = (page: Page, text: string) => page.locator(STORED_TEXT, { hasText: text });
const connected = (page: Page) => page.locator('[data-testid="chat-status"][data-state="connected"]').waitFor();

async function send(page: Page, text: string) {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

/** A room socket from Node that only sends, for a third person no browser needs to show. */
async function openSocket(baseUrl: string, ticketUrl: string) {
  const url = new URL(ticketUrl);
  url.host = new URL(baseUrl).host;
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  return socket;
}

/** Opens a member's "⋯" menu in the room's member list and picks one item. */
async function memberAction(page: Page, name: string, item: string) {
  const members = page.getByTestId('room-members');
  if ((await members.getAttribute('open')) === null) await page.getByTestId('room-members-toggle').click();
  const row = page.locator('[data-testid="room-member"]', { hasText: name });
  await row.getByTestId('person-actions').click();
  await row.getByTestId(item).click();
  return row;
}

describe('friends, blocks and reports', () => {
  const browser = useBrowser();

  it('should befriend, block and report from a room’s member list, and let a moderator resolve the report', async () => {
    const tag = Date.now().toString(36);
    const [anaName, benName] = [`Ana ${tag}`, `Ben ${tag}`];
    const cy = await apiUser(browser.baseUrl, uniquePhone('+4479101'), `Cy ${tag}`);
    const room = await cy.call<{ id: string }>('POST', '/api/rooms', { name: `Porch ${tag}`, visibility: 'public' });

    const ana = await browser.open('/');
    const ben = await browser.open('/');
    await signInAs(ana.page, browser.baseUrl, uniquePhone('+4479101'), anaName);
    await signInAs(ben.page, browser.baseUrl, uniquePhone('+4479101'), benName);
    for (const { page } of [ana, ben]) {
      await page.goto(`/rooms/${room.id}`);
      await page.getByTestId('room-join').click();
      await connected(page);
    }
    // The member list is read when the room opens: Ana opens it again to see Ben in it.
    await ana.page.reload();
    await connected(ana.page);

    // Ana asks Ben to be friends from the member list; her own row has no menu.
    const benRow = await memberAction(ana.page, benName, 'person-add-friend');
    await benRow.getByTestId('person-done').filter({ hasText: 'Friend request sent.' }).waitFor();
    const anaOwnRow = ana.page.locator('[data-testid="room-member"]', { hasText: anaName });
    await expect(anaOwnRow.getByTestId('person-actions').count()).resolves.toBe(0);

    // Ben accepts on his Friends page.
    await clickNav(ben.page, 'nav-friends');
    const request = ben.page.locator('[data-testid="friend-incoming"]', { hasText: anaName });
    await request.getByTestId('friend-accept').click();
    await ben.page.locator('[data-testid="friend"]', { hasText: anaName }).waitFor();
    await expect(ben.page.getByTestId('friend-incoming').count()).resolves.toBe(0);
    await screenshot(ben.page, 'friends');

    // Ana blocks Ben (asked first).
    await ben.page.goto(`/rooms/${room.id}`);
    await connected(ben.page);
    await memberAction(ana.page, benName, 'person-block');
    await ana.page.getByTestId('confirm-dialog').getByTestId('confirm').click();
    await benRow.getByTestId('person-done').filter({ hasText: 'is blocked' }).waitFor();
    // Refused, and said so on the row: no friend request to someone you blocked.
    await memberAction(ana.page, benName, 'person-add-friend');
    await benRow.getByTestId('form-error').filter({ hasText: 'You blocked this person' }).waitFor();

    // Ben's next message is stored, but never reaches Ana; Cy's, sent after it, does.
    await send(ben.page, `Ben after the block ${tag}`);
    await storedMessage(ben.page, `Ben after the block ${tag}`).waitFor();
    const ticket = await cy.call<{ url: string }>('POST', `/api/rooms/${room.id}/ticket`);
    const socket = await openSocket(browser.baseUrl, ticket.url);
    socket.send(JSON.stringify({ type: 'send', clientId: `cy-${tag}`, text: `Cy after the block ${tag}` }));
    await storedMessage(ana.page, `Cy after the block ${tag}`).waitFor();
    await sleep(3000);
    await expect(storedMessage(ana.page, `Ben after the block ${tag}`).count()).resolves.toBe(0);
    socket.close();

    // On Ana's Friends page Ben is blocked, and no longer a friend; unblocking is offered.
    await clickNav(ana.page, 'nav-friends');
    await ana.page.locator('[data-testid="blocked-person"]', { hasText: benName }).getByTestId('unblock').waitFor();
    await expect(ana.page.locator('[data-testid="friend"]', { hasText: benName }).count()).resolves.toBe(0);

    // Ben reports Ana from the member list, with a reason and details.
    const details = `Ana was rude in the porch room ${tag}`;
    await memberAction(ben.page, anaName, 'person-report');
    const dialog = ben.page.getByTestId('report-dialog');
    await dialog.getByLabel('What happened').selectOption({ label: 'Harassment' });
    await dialog.getByTestId('field-details').fill(details);
    await dialog.getByTestId('report-submit').click();
    await ben.page
      .locator('[data-testid="room-member"]', { hasText: anaName })
      .getByTestId('person-done')
      .filter({ hasText: 'Report sent' })
      .waitFor();
    await expect(dialog.count()).resolves.toBe(0);

    // A moderator finds it in the open queue and resolves it with no action.
    const adminPhone = uniquePhone('+4479101');
    const admin = await browser.open('/');
    await signInAs(admin.page, browser.baseUrl, adminPhone, `Mod ${tag}`);
    await grantAdmin(browser.baseUrl, adminPhone);
    // The role shows from the next sign-in answer: the reload's refresh.
    await admin.page.reload();
    await clickNav(admin.page, 'nav-admin');
    await admin.page.getByTestId('tab-reports').click();
    const card = admin.page.locator('[data-testid="report"]', { hasText: details });
    await expect(card.getByTestId('report-reported').textContent()).resolves.toBe(anaName);
    await expect(card.getByTestId('report-reporter').textContent()).resolves.toBe(benName);
    await card.getByText('Harassment').waitFor();
    await screenshot(admin.page, 'admin-reports');
    await card.getByLabel('Action').selectOption('none');
    await card.getByLabel('Note (optional)').fill('Talked it through');
    await card.getByTestId('report-resolve-submit').click();
    await card.waitFor({ state: 'detached' });

    await admin.page.getByTestId('reports-resolved').click();
    const resolved = admin.page.locator('[data-testid="report"][data-status="resolved"]', { hasText: details });
    await resolved.getByTestId('report-outcome').filter({ hasText: 'No action — Talked it through' }).waitFor();

    // The refused request is the one failure the browser logged.
    expect(ana.errors).toEqual([expect.stringMatching(/status of 409/)]);
    for (const { errors } of [ben, admin]) expect(errors).toEqual([]);
  }, 90_000);

  it('should offer the same menu on a session’s participants, and file the report with the session', async () => {
    const tag = Date.now().toString(36);
    const hostName = `Hal ${tag}`;
    const host = await apiUser(browser.baseUrl, uniquePhone('+4479101'), hostName);
    const session = await host.call<{ id: string }>('POST', '/api/coworking/sessions', {
      title: `Quiet hour ${tag}`,
      durationMinutes: 30,
      visibility: 'public',
    });

    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4479101'), `Ivy ${tag}`);
    await page.goto(`/sessions/${session.id}`);
    await page.getByTestId('join-remote').click();
    await page.locator('[data-testid="chat-status"][data-state="connected"]').waitFor();

    const mine = page.locator('[data-testid="session-participant"]', { hasText: `Ivy ${tag}` });
    await mine.waitFor();
    await expect(mine.getByTestId('person-actions').count()).resolves.toBe(0);
    const hostRow = page.locator('[data-testid="session-participant"]', { hasText: hostName });
    await hostRow.getByTestId('person-actions').click();
    await hostRow.getByTestId('person-add-friend').click();
    await hostRow.getByTestId('person-done').filter({ hasText: 'Friend request sent.' }).waitFor();

    const details = `Hal shared a rude link ${tag}`;
    await hostRow.getByTestId('person-actions').click();
    await hostRow.getByTestId('person-report').click();
    const dialog = page.getByTestId('report-dialog');
    await dialog.getByLabel('What happened').selectOption({ label: 'Spam' });
    await dialog.getByTestId('field-details').fill(details);
    await dialog.getByTestId('report-submit').click();
    await hostRow.getByTestId('person-done').filter({ hasText: 'Report sent' }).waitFor();

    // The host sees the request; a moderator sees the report, naming the session.
    const lists = await host.call<{ incoming: { name: string }[] }>('GET', '/api/friends');
    expect(lists.incoming.map((entry) => entry.name)).toContain(`Ivy ${tag}`);
    const modPhone = uniquePhone('+4479101');
    await apiUser(browser.baseUrl, modPhone, `Mo ${tag}`);
    await grantAdmin(browser.baseUrl, modPhone);
    // A fresh sign-in carries the role.
    const mod = await apiUser(browser.baseUrl, modPhone, `Mo ${tag}`);
    const reports = await mod.call<{ items: { details: string | null; sessionId: string | null; reason: string }[] }>(
      'GET',
      '/api/admin/reports?status=open',
    );
    const filed = reports.items.find((report) => report.details === details);
    expect(filed).toMatchObject({ sessionId: session.id, reason: 'spam' });
    expect(errors).toEqual([]);
  }, 60_000);

  it('should decline, cancel, remove a friend (asked first) and unblock on the Friends page', async () => {
    const tag = Date.now().toString(36);
    const [mePhone, asker, asked, friend, blocked] = Array.from({ length: 5 }, () => uniquePhone('+4479101'));
    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, mePhone, `Uma ${tag}`);
    const me = await apiUser(browser.baseUrl, mePhone, `Uma ${tag}`);
    const myId = (await me.call<{ id: string }>('GET', '/api/users/me')).id;
    const idOf = async (client: Awaited<ReturnType<typeof apiUser>>) =>
      (await client.call<{ id: string }>('GET', '/api/users/me')).id;
    const [a, b, c, d] = await Promise.all([
      apiUser(browser.baseUrl, asker, `Asker ${tag}`),
      apiUser(browser.baseUrl, asked, `Asked ${tag}`),
      apiUser(browser.baseUrl, friend, `Pal ${tag}`),
      apiUser(browser.baseUrl, blocked, `Pest ${tag}`),
    ]);
    await a.call('POST', '/api/friends/request', { userId: myId });
    await me.call('POST', '/api/friends/request', { userId: await idOf(b) });
    await c.call('POST', '/api/friends/request', { userId: myId });
    await me.call('POST', '/api/friends/accept', { userId: await idOf(c) });
    await me.call('POST', `/api/users/${await idOf(d)}/block`);

    await clickNav(page, 'nav-friends');
    await page
      .locator('[data-testid="friend-incoming"]', { hasText: `Asker ${tag}` })
      .getByTestId('friend-decline')
      .click();
    await page.getByTestId('friends-incoming').getByText('No one is waiting for your answer.').waitFor();
    await page
      .locator('[data-testid="friend-outgoing"]', { hasText: `Asked ${tag}` })
      .getByTestId('friend-cancel')
      .click();
    await page.getByTestId('friends-outgoing').getByText('You have no requests waiting.').waitFor();

    // Removing a friend is asked first: Cancel keeps them, Remove friend ends it.
    const pal = page.locator('[data-testid="friend"]', { hasText: `Pal ${tag}` });
    await pal.getByTestId('friend-remove').click();
    await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect(pal.count()).resolves.toBe(1);
    await pal.getByTestId('friend-remove').click();
    await page.getByTestId('confirm-dialog').getByTestId('confirm').click();
    await pal.waitFor({ state: 'detached' });

    await page
      .locator('[data-testid="blocked-person"]', { hasText: `Pest ${tag}` })
      .getByTestId('unblock')
      .click();
    await page.getByTestId('friends-blocked').getByText('You have not blocked anyone.').waitFor();

    const lists = await me.call<{ friends: unknown[]; incoming: unknown[]; outgoing: unknown[] }>(
      'GET',
      '/api/friends',
    );
    expect(lists).toMatchObject({ friends: [], incoming: [], outgoing: [] });
    await expect(me.call<{ items: unknown[] }>('GET', '/api/users/me/blocks')).resolves.toEqual({ items: [] });
    expect(errors).toEqual([]);
  }, 60_000);
});
