import { setTimeout as sleep } from 'node:timers/promises';
import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiUser, grantAdmin, screenshot, signInAs, uniquePhone, waitForMessage } from './accounts.js';
import { useBrowser } from './browser.js';

/** Stored messages only (not the ones still waiting for their ack). */
const STORED_TEXT = '[data-testid="chat-message"]:not([data-pending]) [data-testid="chat-text"]';

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** The texts of the stored messages on screen, top to bottom. */
const shownTexts = (page: Page) => page.locator(STORED_TEXT).allTextContents();

const storedMessage = (page: Page, text: string) => page.locator(STORED_TEXT, { hasText: exactly(text) });

/** The whole list item of a stored message, with its actions. */
const messageItem = (page: Page, text: string) =>
  page
    .locator('[data-testid="chat-message"]:not([data-pending])')
    .filter({ has: page.getByTestId('chat-text').filter({ hasText: exactly(text) }) });

async function send(page: Page, text: string) {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

const connected = (page: Page) => page.locator('[data-testid="chat-status"][data-state="connected"]').waitFor();

/** Every expected text on screen exactly once, in this order (other messages may sit between them). */
async function expectEachOnceInOrder(page: Page, expected: string[]) {
  const texts = await shownTexts(page);
  for (const text of expected)
    expect(
      texts.filter((shown) => shown === text),
      text,
    ).toHaveLength(1);
  const positions = expected.map((text) => texts.indexOf(text));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
}

type Frame = { type: string; [key: string]: unknown };

/** A room socket from Node: every frame it receives is kept, and can be waited for. */
async function openSocket(baseUrl: string, ticketUrl: string) {
  const url = new URL(ticketUrl);
  url.host = new URL(baseUrl).host;
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as Frame));
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  const waitFor = async (match: (frame: Frame) => boolean) => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const found = frames.find(match);
      if (found) return found;
      await sleep(50);
    }
    throw new Error('no such frame');
  };
  return { socket, frames, waitFor, send: (frame: Frame) => socket.send(JSON.stringify(frame)) };
}

describe('chat rooms', () => {
  const browser = useBrowser();

  it('should let two people chat across a disconnect without losing or doubling a message', async () => {
    const ada = await browser.open('/');
    const bo = await browser.open('/');
    await signInAs(ada.page, browser.baseUrl, uniquePhone('+4477001'), 'Ada');
    await signInAs(bo.page, browser.baseUrl, uniquePhone('+4477002'), 'Bo');

    // Ada creates a public room from the room list.
    const roomName = `Tea room ${Date.now().toString(36)}`;
    await ada.page.getByTestId('nav-rooms').click();
    await ada.page.getByTestId('field-name').fill(roomName);
    await ada.page.getByTestId('create-room-submit').click();
    await expect(ada.page.getByTestId('room-name').textContent()).resolves.toBe(roomName);
    await connected(ada.page);
    await ada.page.getByTestId('chat-empty').waitFor();

    // Bo finds it in the list and joins.
    await bo.page.getByTestId('nav-rooms').click();
    const row = bo.page.locator(`[data-testid="room-row"][data-room-name="${roomName}"]`);
    await row.getByTestId('room-join').click();
    await connected(bo.page);

    // Presence: both are online, on both screens.
    for (const { page } of [ada, bo]) {
      await page.locator('[data-testid="chat-online-count"]', { hasText: '2' }).waitFor();
      await expect(page.getByTestId('chat-member').allTextContents()).resolves.toEqual([
        expect.stringMatching(/^Ada/),
        expect.stringMatching(/^Bo/),
      ]);
    }

    // Both ways.
    await send(ada.page, 'Hello from Ada');
    await storedMessage(bo.page, 'Hello from Ada').waitFor();
    await send(bo.page, 'Hi Ada, Bo here');
    await storedMessage(ada.page, 'Hi Ada, Bo here').waitFor();

    // Typing shows on the other screen, and goes away when Bo clears the field.
    await bo.page.getByTestId('chat-input').pressSequentially('I am typ', { delay: 20 });
    await ada.page.getByTestId('chat-typing').filter({ hasText: 'Bo is typing…' }).waitFor();
    await bo.page.getByTestId('chat-input').fill('');
    await ada.page.getByTestId('chat-typing').filter({ hasText: /^$/ }).waitFor();

    // Bo's network goes away. Ada keeps talking; Bo writes one message while offline.
    await bo.page.context().setOffline(true);
    await bo.page.locator('[data-testid="chat-status"][data-state="offline"]').waitFor();
    await ada.page.locator('[data-testid="chat-online-count"]', { hasText: '1' }).waitFor();
    const missed = ['Are you there?', 'Missed message two', 'Missed message three'];
    for (const text of missed) {
      await send(ada.page, text);
      await storedMessage(ada.page, text).waitFor();
    }
    // More than the server's burst (20) plus the ten refusals that disconnect a flooder: it must drain at a pace
    // the server accepts, not get Bo cut off.
    const backlog = ['Written while offline', ...Array.from({ length: 31 }, (_, i) => `Backlog ${i + 1}`)];
    for (const text of backlog) await send(bo.page, text);
    await expect(bo.page.locator('[data-pending="true"]').count()).resolves.toBe(backlog.length);
    await sleep(2000);
    // From now on Bo's room sockets pass through the test, which can cut them as a deploy or an evicted object would.
    const bosSockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await bo.page.routeWebSocket(/\/api\/rooms\/[^/]+\/ws/, (page) => {
      bosSockets.push({ page, server: page.connectToServer() });
    });
    await bo.page.context().setOffline(false);

    // Back online: Bo catches up with exactly what was missed, and the offline message is delivered once.
    await connected(bo.page);
    await storedMessage(bo.page, 'Backlog 31').waitFor();
    await storedMessage(ada.page, 'Backlog 31').waitFor();
    const conversation = ['Hello from Ada', 'Hi Ada, Bo here', ...missed, ...backlog];
    await expectEachOnceInOrder(bo.page, conversation);
    await expectEachOnceInOrder(ada.page, conversation);
    await expect(bo.page.locator('[data-pending="true"]').count()).resolves.toBe(0);
    await ada.page.locator('[data-testid="chat-online-count"]', { hasText: '2' }).waitFor();

    // A second drop, right after a send: still exactly once on both sides.
    await send(bo.page, 'Sent as the line dropped');
    await bo.page.context().setOffline(true);
    await sleep(500);
    await bo.page.context().setOffline(false);
    await connected(bo.page);
    await storedMessage(ada.page, 'Sent as the line dropped').waitFor();
    await storedMessage(bo.page, 'Sent as the line dropped').waitFor();
    await sleep(500);
    await expectEachOnceInOrder(ada.page, [...conversation, 'Sent as the line dropped']);
    await expectEachOnceInOrder(bo.page, [...conversation, 'Sent as the line dropped']);

    // The server side goes away without the browser noticing any network change: Bo reconnects after a backoff.
    const cut = bosSockets.length;
    const dropped = bosSockets.at(-1);
    // The page sees 1001 Going Away; the relay's own side can only close as a client does (1000).
    await dropped?.server.close();
    await dropped?.page.close({ code: 1001, reason: 'Going away' });
    await send(ada.page, 'Sent across a server restart');
    await bo.page.locator('[data-testid="chat-status"][data-state="waiting"]').waitFor();
    await connected(bo.page);
    expect(bosSockets.length).toBeGreaterThan(cut);
    await storedMessage(bo.page, 'Sent across a server restart').waitFor();
    conversation.push('Sent as the line dropped', 'Sent across a server restart');
    await expectEachOnceInOrder(bo.page, conversation);
    // One socket per page: the dropped ones are gone from the room, not counted as extra tabs.
    await ada.page.locator('[data-testid="chat-online-count"]', { hasText: '2' }).waitFor();
    await ada.page.getByTestId('chat-member-tabs').waitFor({ state: 'detached' });

    // Edit and delete own messages; both screens follow.
    const mine = messageItem(ada.page, 'Missed message two');
    await mine.hover();
    await mine.getByTestId('chat-actions').click();
    await mine.getByTestId('chat-edit').click();
    await ada.page.getByTestId('chat-edit-input').fill('Missed message 2');
    await ada.page.getByTestId('chat-edit-input').press('Enter');
    await storedMessage(bo.page, 'Missed message 2').waitFor();
    const edited = messageItem(bo.page, 'Missed message 2');
    await edited.getByTestId('chat-edited').waitFor();

    const doomed = messageItem(ada.page, 'Are you there?');
    await doomed.hover();
    await doomed.getByTestId('chat-actions').click();
    await doomed.getByTestId('chat-delete').click();
    await ada.page.getByTestId('confirm').click();
    await storedMessage(ada.page, 'Are you there?').waitFor({ state: 'detached' });
    await storedMessage(bo.page, 'Are you there?').waitFor({ state: 'detached' });
    // Bo may not edit or delete Ada's messages: their menu only offers to report one.
    const adas = messageItem(bo.page, 'Hello from Ada');
    await adas.getByTestId('chat-actions').click();
    await expect(adas.getByRole('menuitem').allTextContents()).resolves.toEqual(['Report']);
    await bo.page.keyboard.press('Escape');

    // Hovering older messages scrolled Ada's log up; back to the newest for the picture.
    await ada.page.getByTestId('chat-log').evaluate((log) => {
      log.scrollTop = log.scrollHeight;
    });
    await ada.page.mouse.move(0, 0);
    await screenshot(ada.page, 'chat-room');
    await ada.page.getByTestId('nav-rooms').click();
    await ada.page.getByTestId('room-list').locator('[data-testid="room-row"]').first().waitFor();
    await screenshot(ada.page, 'chat-rooms');

    // The owner deletes the room: Bo is told it is gone and stops reconnecting.
    await ada.page.locator(`[data-testid="room-row"][data-room-name="${roomName}"]`).getByTestId('room-open').click();
    await connected(ada.page);
    await ada.page.getByTestId('room-settings-toggle').click();
    await ada.page.getByTestId('room-delete').click();
    await ada.page.getByTestId('confirm').click();
    await ada.page.getByTestId('rooms').waitFor();
    await bo.page.locator('[data-testid="chat-status"][data-state="ended"]', { hasText: /no longer exists/ }).waitFor();

    expect(ada.errors.filter((error) => !/\b40[14]\b/.test(error))).toEqual([]);
  }, 120_000);

  it('should page older history upward and follow the owner moderating live', async () => {
    const carol = await apiUser(browser.baseUrl, uniquePhone('+4477003'), 'Carol');
    const room = await carol.call<{ id: string; name: string }>('POST', '/api/rooms', {
      name: `Archive ${Date.now().toString(36)}`,
      visibility: 'public',
    });
    const ticket = await carol.call<{ url: string }>('POST', `/api/rooms/${room.id}/ticket`);
    const socket = await openSocket(browser.baseUrl, ticket.url);
    // 60 messages: more than a welcome (50) holds. A burst of 15, then within the 5-a-second budget.
    for (let i = 1; i <= 60; i++) {
      socket.send({ type: 'send', clientId: `seed-${i}`, text: `Archived message ${i}` });
      if (i > 15) await sleep(220);
    }
    await socket.waitFor((frame) => frame.type === 'ack' && frame.clientId === 'seed-60');

    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4477004'), 'Dee');
    await page.goto(`/rooms/${room.id}`);
    await page.getByTestId('room-join').click();
    await connected(page);
    await storedMessage(page, 'Archived message 60').waitFor();
    expect(await shownTexts(page)).toHaveLength(50);

    // Scrolling to the top loads the page before, keeps the reader's place, and ends at the room's start.
    await page.getByTestId('chat-log').evaluate((log) => {
      log.scrollTop = 0;
    });
    await storedMessage(page, 'Archived message 1').waitFor();
    await page.getByText('This is the start of the room.').waitFor();
    const all = Array.from({ length: 60 }, (_, i) => `Archived message ${i + 1}`);
    expect(await shownTexts(page)).toEqual(all);
    // The message that was at the top is still where the reader left it, not pushed down by the new page.
    const logTop = (await page.getByTestId('chat-log').boundingBox())?.y ?? 0;
    const keptTop = (await messageItem(page, 'Archived message 11').boundingBox())?.y ?? 0;
    expect(keptTop - logTop).toBeGreaterThan(0);
    expect(keptTop - logTop).toBeLessThan(120);

    // The owner deletes a message over the socket: it disappears here too.
    const target = await carol.call<{ items: { id: string; text: string }[] }>(
      'GET',
      `/api/rooms/${room.id}/messages?limit=1`,
    );
    socket.send({ type: 'delete', messageId: target.items[0]?.id ?? '' });
    await storedMessage(page, 'Archived message 60').waitFor({ state: 'detached' });

    // Typing and presence from the other side.
    socket.send({ type: 'typing' });
    await page.getByTestId('chat-typing').filter({ hasText: 'Carol is typing…' }).waitFor();
    await expect(page.getByTestId('chat-member').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^Carol/),
      expect.stringMatching(/^Dee/),
    ]);

    // The composer counts up to 4,000 characters and refuses more.
    await page.getByTestId('chat-input').fill('x'.repeat(4001));
    await expect(page.getByTestId('chat-counter').textContent()).resolves.toMatch(/4,001 \/ 4,000/);
    await expect(page.getByTestId('chat-send').isDisabled()).resolves.toBe(true);
    await page.getByTestId('chat-input').fill('');

    // Leaving: back to the list, where the room can be joined again.
    await page.getByTestId('room-leave').click();
    await page.getByTestId('confirm').click();
    await page.locator(`[data-testid="room-row"][data-room-id="${room.id}"]`).getByTestId('room-join').waitFor();
    socket.socket.close();

    // A private room: its owner invites by email (the answer never says whether the address has an account)
    // and by link; Carol opens the link and is in.
    await page.getByTestId('field-name').fill('Dee and Carol');
    await page.locator('input[name="visibility"][value="private"]').check();
    await page.getByTestId('create-room-submit').click();
    await connected(page);
    await expect(page.getByTestId('room-visibility').textContent()).resolves.toBe('private');
    await page.getByTestId('room-members-toggle').click();
    await page.getByTestId('room-members').getByLabel('Their email').pressSequentially('nobody-here@example.com');
    await page.getByTestId('room-invite-email').click();
    await page.getByTestId('room-invite-sent').filter({ hasText: 'nobody-here@example.com' }).waitFor();
    await page.getByTestId('room-invite-create').click();
    const link = await page.getByTestId('room-invite-link').inputValue();
    expect(link).toContain('/rooms/invite?token=');
    const token = new URL(link).searchParams.get('token') ?? '';
    await carol.call('POST', '/api/rooms/invites/accept', { token });
    const carolsRooms = await carol.call<{ items: { id: string; name: string; role: string }[] }>('GET', '/api/rooms');
    const privateRoom = carolsRooms.items.find((item) => item.name === 'Dee and Carol');
    expect(privateRoom).toMatchObject({ role: 'member' });

    // The owner sees Carol among the members, hands the room to her, and is then a member without the controls.
    await page.reload();
    await connected(page);
    await page.getByTestId('room-members-toggle').click();
    const carolRow = page.locator('[data-testid="room-member"]', { hasText: 'Carol' });
    await carolRow.getByTestId('room-member-make-owner').click();
    await page.getByTestId('confirm').click();
    await page.locator('[data-testid="room-member"]', { hasText: 'Carol' }).getByTestId('room-member-role').waitFor();
    await page.getByTestId('room-leave').waitFor();
    await expect(page.getByTestId('room-settings').count()).resolves.toBe(0);
    await expect(page.getByTestId('room-member-remove').count()).resolves.toBe(0);
    const handedOver = await carol.call<{ ownerId: string; role: string }>('GET', `/api/rooms/${privateRoom?.id}`);
    expect(handedOver.role).toBe('owner');

    // Carol, now the owner, removes Dee: Dee's socket closes at once and the page says so.
    const deeRow = (
      await carol.call<{ items: { userId: string; name: string }[] }>('GET', `/api/rooms/${privateRoom?.id}/members`)
    ).items.find((member) => member.name === 'Dee');
    await carol.call('DELETE', `/api/rooms/${privateRoom?.id}/members/${deeRow?.userId}`);
    await page.locator('[data-testid="chat-status"][data-state="ended"]').waitFor();
    expect(errors.filter((error) => !/\b40[14]\b/.test(error))).toEqual([]);
  }, 90_000);

  it('should open one socket and fetch the room and the files once per page load, over repeated loads', async () => {
    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4477005'), 'Reloader');
    await page.getByTestId('nav-rooms').click();
    await page.getByTestId('field-name').fill(`Reload room ${Date.now().toString(36)}`);
    await page.getByTestId('create-room-submit').click();
    await connected(page);
    const roomPath = new URL(page.url()).pathname;

    const seen: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) seen.push(`${request.method()} ${url.pathname}`);
    });
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    const count = (line: string) => seen.filter((entry) => entry === line).length;

    for (let load = 1; load <= 8; load++) {
      seen.length = 0;
      sockets.length = 0;
      await page.reload();
      await connected(page);
      await page.locator('[data-testid="chat-online-count"]', { hasText: '1' }).waitFor();
      // Anything a second mount would start has had time to start.
      await sleep(400);
      expect(count(`POST ${roomPath.replace('/rooms/', '/api/rooms/')}/ticket`), `load ${load}`).toBe(1);
      expect(count(`GET ${roomPath.replace('/rooms/', '/api/rooms/')}`), `load ${load}`).toBe(1);
      expect(sockets, `load ${load}`).toHaveLength(1);
      await expect(page.getByTestId('chat-member').allTextContents()).resolves.not.toContainEqual(
        expect.stringMatching(/tabs/),
      );
    }

    await page.getByTestId('nav-files').click();
    for (let load = 1; load <= 4; load++) {
      seen.length = 0;
      await page.reload();
      await page.getByTestId('files-page').waitFor();
      await sleep(400);
      expect(count('GET /api/files'), `files load ${load}`).toBe(1);
    }
    expect(errors).toEqual([]);
  }, 90_000);

  it('should take a signed-out person from an invite link through sign-in into the private room', async () => {
    const owner = await apiUser(browser.baseUrl, uniquePhone('+4477006'), 'Owen');
    const room = await owner.call<{ id: string }>('POST', '/api/rooms', { name: 'Invite only', visibility: 'private' });
    const invite = await owner.call<{ url: string }>('POST', `/api/rooms/${room.id}/invite-link`);
    const link = new URL(invite.url);

    const { page, errors } = await browser.open(link.pathname + link.search);
    await page.waitForURL(/\/sign-in\?next=/);
    const phone = uniquePhone('+4477007');
    await page.getByTestId('switch-method').click();
    await page.getByTestId('field-phone').pressSequentially(phone);
    await page.getByTestId('send-code').click();
    await page.getByTestId('code-sent').waitFor();
    const [, code] = await waitForMessage(browser.baseUrl, phone, /(\d{6})/);
    await page.keyboard.type(code ?? '');
    await page.getByTestId('verify-code').click();

    await page.waitForURL(`**/rooms/${room.id}`);
    await connected(page);
    await expect(page.getByTestId('room-name').textContent()).resolves.toBe('Invite only');
    await page.getByTestId('room-members-toggle').click();
    await page.locator('[data-testid="room-member"]', { hasText: 'Owen' }).getByTestId('room-member-role').waitFor();

    // A link that was tampered with says so, and leads back to the rooms.
    await page.goto(`/rooms/invite?token=${encodeURIComponent(`${link.searchParams.get('token')}x`)}`);
    await page.getByTestId('room-invite-error').filter({ hasText: 'invalid or has expired' }).waitFor();
    expect(errors.filter((error) => !/\b40[01]\b/.test(error))).toEqual([]);
  }, 60_000);
  it("should report one of someone else's messages from its menu, its text kept for the moderators", async () => {
    const erin = await apiUser(browser.baseUrl, uniquePhone('+4477005'), 'Erin');
    const room = await erin.call<{ id: string }>('POST', '/api/rooms', {
      name: `Reports ${Date.now().toString(36)}`,
      visibility: 'public',
    });
    const ticket = await erin.call<{ url: string }>('POST', `/api/rooms/${room.id}/ticket`);
    const socket = await openSocket(browser.baseUrl, ticket.url);
    socket.send({ type: 'send', clientId: 'rude-1', text: 'You are all hopeless' });
    await socket.waitFor((frame) => frame.type === 'ack' && frame.clientId === 'rude-1');

    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4477006'), 'Finn');
    await page.goto(`/rooms/${room.id}`);
    await page.getByTestId('room-join').click();
    await connected(page);
    const item = messageItem(page, 'You are all hopeless');
    await item.getByRole('button', { name: 'Message actions' }).click();
    await item.getByRole('menuitem', { name: /Report the message from Erin/ }).click();
    const dialog = page.getByTestId('report-dialog');
    await dialog.getByLabel('What happened').selectOption('harassment');
    await dialog.getByLabel('Details (optional)').fill('Aimed at everyone in the room.');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await item.getByText('Reported. A moderator will look at it.').waitFor();
    expect(errors).toEqual([]);

    // The member list beside the chat follows the room live: someone joining shows up without a reload.
    await page.getByTestId('room-members-toggle').click();
    const members = page.getByTestId('room-members');
    await members.getByText('Erin').waitFor();
    const gus = await apiUser(browser.baseUrl, uniquePhone('+4477008'), 'Gus');
    await gus.call('POST', `/api/rooms/${room.id}/join`);
    await members.getByText('Gus').waitFor();

    // The moderators see it with the message's text, even after Erin deletes the message.
    socket.send({
      type: 'delete',
      messageId:
        (await erin.call<{ items: { id: string }[] }>('GET', `/api/rooms/${room.id}/messages?limit=1`)).items[0]?.id ??
        '',
    });
    await storedMessage(page, 'You are all hopeless').waitFor({ state: 'detached' });
    const moderatorPhone = uniquePhone('+4477007');
    const moderator = await apiUser(browser.baseUrl, moderatorPhone, 'Mod');
    await grantAdmin(browser.baseUrl, moderatorPhone);
    const reports = await moderator.call<{
      items: { roomId: string | null; messageText: string | null; reason: string }[];
    }>('GET', '/api/admin/reports?status=open');
    expect(reports.items).toContainEqual(
      expect.objectContaining({ roomId: room.id, messageText: 'You are all hopeless', reason: 'harassment' }),
    );
    socket.socket.close();
  });
  it("should report a message from its menu on a phone, and the moderators find the report with the message's text", async () => {
    const bo = await apiUser(browser.baseUrl, uniquePhone('+4477011'), 'Bea');
    const room = await bo.call<{ id: string }>('POST', '/api/rooms', {
      name: `Phone reports ${Date.now().toString(36)}`,
      visibility: 'public',
    });
    const ticket = await bo.call<{ url: string }>('POST', `/api/rooms/${room.id}/ticket`);
    const socket = await openSocket(browser.baseUrl, ticket.url);

    const { page, errors } = await browser.open('/', { viewport: { width: 390, height: 844 } });
    await signInAs(page, browser.baseUrl, uniquePhone('+4477012'), 'Abe');
    await page.goto(`/rooms/${room.id}`);
    await page.getByTestId('room-join').click();
    await connected(page);
    // Bea writes while Abe is in the room.
    socket.send({ type: 'send', clientId: 'spam-1', text: 'Cheap watches, click here' });
    const item = messageItem(page, 'Cheap watches, click here');
    await item.waitFor();

    await item.getByRole('button', { name: 'Message actions' }).click();
    await item.getByRole('menuitem', { name: /Report the message from Bea/ }).click();
    const dialog = page.getByTestId('report-dialog');
    await dialog.getByText('Report this message from Bea').waitFor();
    // The dialog fits the phone's screen: nothing to scroll sideways to reach.
    const box = await dialog.boundingBox();
    expect(box?.x).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    await dialog.getByLabel('What happened').selectOption('spam');
    await dialog.getByLabel('Details (optional)').fill('Posted the same link in three rooms.');
    await screenshot(page, 'chat-report-dialog-phone');
    const submit = dialog.getByRole('button', { name: 'Send report' });
    const submitBox = await submit.boundingBox();
    expect((submitBox?.x ?? 0) + (submitBox?.width ?? 0)).toBeLessThanOrEqual(390);
    await submit.click();
    await item.getByText('Reported. A moderator will look at it.').waitFor();
    await expect(dialog.count()).resolves.toBe(0);
    // Abe's own message has no Report.
    await send(page, 'I reported that');
    const mine = messageItem(page, 'I reported that');
    await mine.getByRole('button', { name: 'Message actions' }).click();
    await expect(mine.getByRole('menuitem', { name: /Report/ }).count()).resolves.toBe(0);
    await page.keyboard.press('Escape');
    const scroll = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(scroll).toBeLessThanOrEqual(0);
    await screenshot(page, 'chat-report-phone');
    expect(errors).toEqual([]);

    const moderatorPhone = uniquePhone('+4477013');
    const moderator = await apiUser(browser.baseUrl, moderatorPhone, 'Mod');
    await grantAdmin(browser.baseUrl, moderatorPhone);
    const reports = await moderator.call<{
      items: {
        roomId: string | null;
        messageId: string | null;
        messageText: string | null;
        reason: string;
        details: string | null;
      }[];
    }>('GET', '/api/admin/reports?status=open');
    const spamAck = await socket.waitFor((frame) => frame.type === 'ack' && frame.clientId === 'spam-1');
    expect(reports.items).toContainEqual(
      expect.objectContaining({
        roomId: room.id,
        messageId: spamAck.id,
        messageText: 'Cheap watches, click here',
        reason: 'spam',
        details: 'Posted the same link in three rooms.',
      }),
    );
    socket.socket.close();
  }, 60_000);

  it('should keep an open member list in step with the room: added, removed and a new owner, without a reload', async () => {
    const owner = await apiUser(browser.baseUrl, uniquePhone('+4477014'), 'Olga');
    const room = await owner.call<{ id: string }>('POST', '/api/rooms', {
      name: `Members ${Date.now().toString(36)}`,
      visibility: 'public',
    });
    const { page, errors } = await browser.open('/');
    await signInAs(page, browser.baseUrl, uniquePhone('+4477015'), 'Pia');
    await page.goto(`/rooms/${room.id}`);
    await page.getByTestId('room-join').click();
    await connected(page);
    await page.getByTestId('room-members-toggle').click();
    const rows = page.getByTestId('room-member');
    await rows.filter({ hasText: 'Olga' }).getByTestId('room-member-role').waitFor();
    const pia = await rows.filter({ hasText: '(you)' }).getAttribute('data-user-id');
    await expect(rows.count()).resolves.toBe(2);

    // The owner adds someone: the row appears on Pia's open page.
    const quinnPhone = uniquePhone('+4477016');
    const quinn = await apiUser(browser.baseUrl, quinnPhone, 'Quinn');
    const quinnId = (await quinn.call<{ id: string }>('GET', '/api/users/me')).id;
    await owner.call('POST', `/api/rooms/${room.id}/members`, { userId: quinnId });
    await rows.filter({ hasText: 'Quinn' }).waitFor();
    await expect(rows.count()).resolves.toBe(3);

    // And removes them again: the row goes.
    await owner.call('DELETE', `/api/rooms/${room.id}/members/${quinnId}`);
    await rows.filter({ hasText: 'Quinn' }).waitFor({ state: 'detached' });

    // The room is handed to Pia: her page shows her as the owner and gives her the owner's controls.
    await page.getByTestId('room-leave').waitFor();
    await owner.call('POST', `/api/rooms/${room.id}/transfer`, { userId: pia ?? '' });
    await rows.filter({ hasText: 'Pia' }).getByTestId('room-member-role').waitFor();
    await expect(rows.filter({ hasText: 'Olga' }).getByTestId('room-member-role').count()).resolves.toBe(0);
    await rows.filter({ hasText: 'Olga' }).getByTestId('room-member-remove').waitFor();
    await page.getByText('You own this room').waitFor();
    await expect(page.getByTestId('room-leave').count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
