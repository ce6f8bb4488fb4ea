import type { ClientFrame, Member, MessageView, ServerFrame } from '../../realtime/protocol';
import { type ApiError, asApiError } from '../api';
import type { Page } from '../types';
import { type HistoryMessage, roomsApi } from './api';

/** Longest message, as src/realtime/protocol.ts (MAX_TEXT) enforces it; imported as a value it would bundle zod. */
export const MAX_TEXT = 4000;
/** How long after sending a message its author may still edit it (src/realtime/chat-room.ts). */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;

/** Reconnect delays double from 0.5 s to at most 10 s, with jitter so a room's clients do not all return at once. */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
/** Proxies and NATs drop connections that stay silent; the runtime answers this ping without waking the room. */
const PING_EVERY_MS = 25_000;
/**
 * A socket can look open long after its network is gone (a half-open TCP
 * connection). When nothing at all comes back this long after a ping or a
 * message that must be answered, the socket is given up and replaced.
 */
const REPLY_TIMEOUT_MS = 10_000;
/** The server relays `typing` at most every 2 s and lets it expire after 5 s. */
const TYPING_EVERY_MS = 2500;
const TYPING_TTL_MS = 5000;
/**
 * The server allows each user a burst of 20 frames and 5 a second, and
 * disconnects after ten refusals in a row. Staying a little under that budget
 * here means a backlog (messages queued while offline) drains at a pace the
 * server accepts instead of getting this person disconnected.
 */
const BUDGET = { burst: 16, perSecond: 4 };
/** After `rate_limited` anyway (another tab shares the budget), unacknowledged messages go again this much later. */
const RATE_LIMIT_PAUSE_MS = 1500;
const NOTICE_MS = 5000;
const PAGE_SIZE = 50;
const GAP_PAGE_SIZE = 100;

export type ConnectionStatus =
  /** Getting a ticket and opening the socket; `attempt` > 0 means reconnecting. */
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected' }
  /** The next attempt starts at `retryAt` (epoch ms). */
  | { kind: 'waiting'; retryAt: number }
  /** The browser has no network; the next attempt starts when it comes back. */
  | { kind: 'offline' }
  /** Given up: the server refused us (removed, session over, room gone). */
  | { kind: 'ended'; reason: string };

/** A message typed here that the server has not acknowledged yet. */
export interface PendingMessage {
  clientId: string;
  text: string;
}

export interface Typist {
  userId: string;
  name: string;
  /** Local epoch ms. */
  expiresAt: number;
}

export interface ChatState {
  status: ConnectionStatus;
  me: { userId: string; name: string } | null;
  /** Stored messages, oldest first, one per seq; deleted ones are gone. */
  messages: MessageView[];
  pending: PendingMessage[];
  /** Who is connected now, with their number of open sockets (tabs). */
  members: Member[];
  typing: Typist[];
  /** Older history: `done` once the room's first message is loaded. */
  older: 'idle' | 'loading' | 'done' | 'error';
  notice: { id: number; text: string } | null;
  /** The newest message that arrived live from someone else, for screen readers. */
  incoming: MessageView | null;
  /** Server clock minus this browser's clock, in ms (from `welcome.now`). */
  clockOffset: number;
}

const INITIAL: ChatState = {
  status: { kind: 'connecting', attempt: 0 },
  me: null,
  messages: [],
  pending: [],
  members: [],
  typing: [],
  older: 'idle',
  notice: null,
  incoming: null,
  clockOffset: 0,
};

type Frame = ServerFrame | { type: 'pong' };

/**
 * Where a live conversation comes from: a chat room, or a coworking session
 * (whose chat lives only in its socket, with no REST history). The client
 * itself knows no routes.
 */
export interface ChatSource {
  /** A fresh single-use ticket for the socket: `POST …/ticket`. */
  ticket: () => Promise<{ url: string }>;
  /** The stored history, newest first (`before` a seq); without it, what the socket brings is all there is. */
  history?: (before: number | null, limit: number) => Promise<Page<HistoryMessage>>;
  /** Deletes a message over REST when the socket is down; without it, deleting needs the socket. */
  deleteMessage?: (messageId: string) => Promise<void>;
  /** What the person is in, for the messages they read: "room", "session". */
  noun: string;
  /**
   * Why a close the server chose ends the connection for good (a session that
   * ended, leaving), or null to handle it as a chat room does.
   */
  finalClose?: (code: number, reason: string) => string | null;
}

/** A chat room's source: its ticket, history and message deletion. */
export function roomSource(roomId: string): ChatSource {
  return {
    ticket: () => roomsApi.ticket(roomId),
    history: (before, limit) => roomsApi.history(roomId, before, limit),
    deleteMessage: (messageId) => roomsApi.deleteMessage(roomId, messageId),
    noun: 'room',
  };
}

/** Frames the chat itself does not use (the timer, reactions, confetti, the host, the member list), plus every welcome. */
export type ExtraFrame = Extract<
  ServerFrame,
  { type: 'welcome' | 'timer' | 'reaction' | 'confetti' | 'host' | 'members' }
>;

/** `crypto.randomUUID` exists only in secure contexts (https, localhost); a LAN address over http has not got it. */
function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The socket address for a ticket. The API names its configured public origin
 * (APP_URL); the web app is served by the same worker, so the page's own host
 * is the one this browser is known to reach (and whose Origin the worker allows).
 */
function socketUrl(ticketUrl: string, since: number | null): string {
  const url = new URL(ticketUrl, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.host = location.host;
  if (since !== null) url.searchParams.set('since', String(since));
  return url.href;
}

/** Why a ticket refusal is final (no retry can succeed), or null when trying again may help. */
function finalRefusal(error: ApiError, noun: string): string | null {
  if (error.status === 401) return `Your session ended. Sign in again to rejoin the ${noun}.`;
  if (error.status === 404) return `This ${noun} no longer exists, or you are no longer a member.`;
  if (error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429) {
    return `The server refused to let you in: ${error.message}`;
  }
  return null;
}

function withoutDeletedFlag({ deleted: _, ...message }: HistoryMessage): MessageView {
  return message;
}

/**
 * One room's (or coworking session's) live connection, independent of any
 * screen: it gets a ticket from its `ChatSource`, opens the socket, and keeps `lastSeq` so that a reconnect (`?since=`)
 * returns exactly what was missed. Messages are keyed by `seq`, so history,
 * catch-up and live frames merge without duplicates; a message typed here
 * stays pending until its `ack` and is sent again with the same `clientId`
 * after a reconnect (the server stores a clientId once), so nothing is lost
 * or doubled. Subscribe to re-render on every change of `state`; a session
 * hears its timer, reactions and confetti through `onFrame`.
 */
export class ChatClient {
  state: ChatState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private readonly frameListeners = new Set<(frame: ExtraFrame) => void>();
  private socket: WebSocket | null = null;
  /** Bumped for every socket and on stop: events of an older socket are ignored. */
  private generation = 0;
  private attempt = 0;
  private stopped = false;
  /** A welcome has arrived once: reconnects ask for `since` and keep what is shown. */
  private synced = false;
  /** Every message up to this seq has been delivered (or paged in). */
  private lastSeq = 0;
  /** After a truncated catch-up: messages after this seq are still being paged in. */
  private gapFrom: number | null = null;
  private readonly bySeq = new Map<number, MessageView>();
  /** Ids deleted while we watched, so a history page requested earlier cannot bring them back. */
  private readonly deletedIds = new Set<string>();
  private lastTypingSentAt = 0;
  private tokens = BUDGET.burst;
  private tokensAt = Date.now();
  /** The socket generation each pending message was last sent on: resent only on a new socket or after a refusal. */
  private readonly sentOn = new Map<string, number>();
  private noticeId = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private replyTimer: ReturnType<typeof setTimeout> | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly roomId: string,
    private readonly source: ChatSource,
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Hears the frames the chat itself does not use (a session's timer, reactions, confetti and host; a room's member
   * list changes) and every welcome, after the chat has.
   */
  onFrame(listener: (frame: ExtraFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => {
      this.frameListeners.delete(listener);
    };
  }

  /** Sends a frame the chat has no method for (`react`, `control`) within the budget. False when it could not go now. */
  sendFrame(frame: Extract<ClientFrame, { type: 'react' | 'control' }>): boolean {
    return this.transmit(frame);
  }

  start(): void {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    if (navigator.onLine) void this.connect();
    else this.update({ status: { kind: 'offline' } });
  }

  /** Leaves the screen: closes the socket for good (not a disconnect to recover from). */
  stop(): void {
    this.stopped = true;
    this.generation++;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    for (const timer of [this.retryTimer, this.replyTimer, this.typingTimer, this.noticeTimer, this.flushTimer]) {
      clearTimeout(timer);
    }
    clearInterval(this.pingTimer);
    this.socket?.close(1000, 'Closed');
    this.socket = null;
    this.listeners.clear();
    this.frameListeners.clear();
  }

  /** Tries again now, after a wait or after the server ended the connection. */
  reconnect(): void {
    if (this.stopped) return;
    this.attempt = 0;
    void this.connect();
  }

  /** Queues a message; it is sent now if connected, else as soon as the socket is back. False if it is empty or too long. */
  send(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed || trimmed.length > MAX_TEXT || this.state.status.kind === 'ended') return false;
    const message: PendingMessage = { clientId: newClientId(), text: trimmed };
    this.stopTyping();
    this.update({ pending: [...this.state.pending, message] });
    this.flush();
    return true;
  }

  /** Replaces the text of one of our messages. False (with a notice) when it cannot be sent now. */
  edit(messageId: string, text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed || trimmed.length > MAX_TEXT) return false;
    if (!this.open()) {
      this.notify('You are offline: edit again once reconnected.');
      return false;
    }
    if (!this.transmit({ type: 'edit', messageId, text: trimmed })) {
      this.notify('Slow down a little, then try again.');
      return false;
    }
    this.expectReply();
    return true;
  }

  /** Deletes a message: over the socket when connected, else through the REST API. */
  async remove(message: MessageView): Promise<void> {
    if (this.open() && this.transmit({ type: 'delete', messageId: message.id })) {
      this.expectReply();
      return;
    }
    if (!this.source.deleteMessage) {
      this.notify('You are offline: delete it again once reconnected.');
      return;
    }
    await this.source.deleteMessage(message.id);
    this.forget(message.id, message.seq);
    this.update({ messages: this.sorted() });
  }

  /** Tells the others we are typing; throttled here, as the server throttles it anyway. */
  typing(): void {
    const now = Date.now();
    if (now - this.lastTypingSentAt < TYPING_EVERY_MS) return;
    if (this.transmit({ type: 'typing' })) this.lastTypingSentAt = now;
  }

  stopTyping(): void {
    // Nothing to take back once the last `typing` has expired on the others' screens.
    if (Date.now() - this.lastTypingSentAt < TYPING_TTL_MS) this.transmit({ type: 'stop-typing' });
    this.lastTypingSentAt = 0;
  }

  /** Loads the page of history just before the oldest message shown. */
  async loadOlder(): Promise<void> {
    if (!this.synced || this.state.older === 'loading' || this.state.older === 'done') return;
    const { history } = this.source;
    if (!history) {
      this.update({ older: 'done' });
      return;
    }
    const before = this.state.messages[0]?.seq ?? this.lastSeq + 1;
    if (before <= 1) {
      this.update({ older: 'done' });
      return;
    }
    this.update({ older: 'loading' });
    try {
      const page = await history(before, PAGE_SIZE);
      if (this.stopped) return;
      this.absorb(page.items);
      this.update({ messages: this.sorted(), older: page.nextCursor ? 'idle' : 'done' });
    } catch {
      if (!this.stopped) this.update({ older: 'error' });
    }
  }

  // ---- connection -----------------------------------------------------------

  private async connect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.dropSocket();
    const generation = ++this.generation;
    this.update({ status: { kind: 'connecting', attempt: this.attempt } });
    let ticketUrl: string;
    try {
      ticketUrl = (await this.source.ticket()).url;
    } catch (thrown) {
      if (generation !== this.generation) return;
      const error = asApiError(thrown);
      const reason = finalRefusal(error, this.source.noun);
      if (reason) this.end(reason);
      else this.retry((error.retryAfter ?? 0) * 1000);
      return;
    }
    if (generation !== this.generation) return;
    const socket = new WebSocket(socketUrl(ticketUrl, this.synced ? (this.gapFrom ?? this.lastSeq) : null));
    this.socket = socket;
    socket.onmessage = (event) => {
      if (generation === this.generation && typeof event.data === 'string') this.receive(event.data, generation);
    };
    socket.onclose = (event) => {
      if (generation === this.generation) this.closed(event.code, event.reason);
    };
  }

  /** Closes the current socket without reacting to its close event. */
  private dropSocket(): void {
    this.generation++;
    clearInterval(this.pingTimer);
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'Reconnecting');
  }

  private closed(code: number, reason: string): void {
    this.socket = null;
    clearInterval(this.pingTimer);
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
    if (this.stopped) return;
    const final = this.source.finalClose?.(code, reason) ?? null;
    if (final) {
      this.end(final);
      return;
    }
    // 1008: the server ended this membership or session (removed, left elsewhere, revoked, flooding).
    if (code === 1008) {
      const { noun } = this.source;
      if (reason === 'Flooding') this.end('You were disconnected for sending too much too fast.');
      else if (reason === `You left this ${noun}`) this.end(`You left this ${noun}.`);
      else this.end(`You were removed from this ${noun}, or your session ended.`);
      return;
    }
    // A frame the server could not read: trying again would send it again.
    if (code === 1003 || code === 1007 || code === 1009) {
      this.end(`The server closed the connection (${reason || code}).`);
      return;
    }
    this.retry();
  }

  private retry(atLeastMs = 0): void {
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.update({ status: { kind: 'offline' } });
      return;
    }
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const delay = Math.max(atLeastMs, ceiling / 2 + Math.random() * (ceiling / 2));
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.update({ status: { kind: 'waiting', retryAt: Date.now() + delay } });
  }

  private end(reason: string): void {
    this.dropSocket();
    clearTimeout(this.retryTimer);
    this.update({ status: { kind: 'ended', reason }, typing: [] });
  }

  private readonly onOffline = () => {
    const { kind } = this.state.status;
    if (this.stopped || kind === 'ended') return;
    // The socket cannot carry anything now; waiting for it to time out would only delay the catch-up.
    this.dropSocket();
    clearTimeout(this.retryTimer);
    this.update({ status: { kind: 'offline' }, typing: [] });
  };

  private readonly onOnline = () => {
    const { kind } = this.state.status;
    if (this.stopped || (kind !== 'offline' && kind !== 'waiting')) return;
    this.reconnect();
  };

  /** Welcomed on an open socket: frames can go. */
  private open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN && this.state.status.kind === 'connected';
  }

  /** Sends a frame within the budget (pings cost nothing: the runtime answers them). False when it was not sent. */
  private transmit(frame: ClientFrame | { type: 'ping' }): boolean {
    if (!this.open()) return false;
    if (frame.type !== 'ping') {
      const now = Date.now();
      this.tokens = Math.min(BUDGET.burst, this.tokens + ((now - this.tokensAt) / 1000) * BUDGET.perSecond);
      this.tokensAt = now;
      if (this.tokens < 1) return false;
      this.tokens -= 1;
    }
    this.socket?.send(JSON.stringify(frame));
    return true;
  }

  /** Sends the pending messages not yet sent on this socket, as fast as the budget allows. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    let sent = false;
    for (const { clientId, text } of this.state.pending) {
      if (this.sentOn.get(clientId) === this.generation) continue;
      if (!this.transmit({ type: 'send', clientId, text })) {
        if (this.open()) this.flushTimer = setTimeout(() => this.flush(), 1000 / BUDGET.perSecond);
        break;
      }
      this.sentOn.set(clientId, this.generation);
      sent = true;
    }
    if (sent) this.expectReply();
  }

  /** Arms the dead-socket check, unless it is armed already; any frame that arrives disarms it. */
  private expectReply(): void {
    if (this.replyTimer !== undefined) return;
    this.replyTimer = setTimeout(() => {
      this.replyTimer = undefined;
      this.dropSocket();
      this.retry();
    }, REPLY_TIMEOUT_MS);
  }

  // ---- frames ---------------------------------------------------------------

  private receive(data: string, generation: number): void {
    let frame: Frame;
    try {
      frame = JSON.parse(data) as Frame;
    } catch {
      return;
    }
    clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
    switch (frame.type) {
      case 'welcome':
        this.welcome(frame, generation);
        this.emit(frame);
        return;
      case 'timer':
      case 'reaction':
      case 'confetti':
      case 'host':
      case 'members':
        this.emit(frame);
        return;
      case 'message':
        this.message(frame);
        return;
      case 'ack':
        this.ack(frame);
        return;
      case 'edited': {
        const message = this.bySeq.get(frame.seq);
        if (message?.id !== frame.id) return;
        this.bySeq.set(frame.seq, { ...message, text: frame.text, editedAt: frame.editedAt });
        this.update({ messages: this.sorted() });
        return;
      }
      case 'deleted':
        this.forget(frame.id, frame.seq);
        this.update({ messages: this.sorted() });
        return;
      case 'typing':
        this.someoneTyping(frame);
        return;
      case 'stop-typing':
        this.update({ typing: this.state.typing.filter((typist) => typist.userId !== frame.userId) });
        return;
      case 'presence':
        this.update({ members: applyPresence(this.state.members, frame.member) });
        return;
      case 'error':
        if (frame.code === 'rate_limited') {
          // Which frame was refused is not said: every unacknowledged message goes again (its clientId makes that safe).
          this.notify('You are sending too fast. Waiting a moment…');
          this.tokens = 0;
          this.sentOn.clear();
          clearTimeout(this.flushTimer);
          this.flushTimer = setTimeout(() => this.flush(), RATE_LIMIT_PAUSE_MS);
        } else {
          this.notify(frame.message);
        }
        return;
      default:
        return;
    }
  }

  private welcome(frame: Extract<ServerFrame, { type: 'welcome' }>, generation: number): void {
    const first = !this.synced;
    this.synced = true;
    this.attempt = 0;
    const me = { userId: frame.you.userId, name: frame.you.name };
    if (first) this.bySeq.clear();
    for (const message of frame.history) {
      if (!this.deletedIds.has(message.id)) this.bySeq.set(message.seq, message);
    }
    if (frame.truncated) {
      // More was missed than one welcome carries: the rest is paged in below, and until then a
      // reconnect asks again from the last message that did arrive.
      const reached = frame.history.at(-1)?.seq ?? this.gapFrom ?? this.lastSeq;
      this.gapFrom = reached;
      this.lastSeq = frame.seq;
      void this.fillGap(reached, frame.seq, generation);
    } else {
      this.gapFrom = null;
      this.lastSeq = Math.max(frame.seq, this.lastSeq);
    }
    // A message stored before the connection dropped, whose ack was lost, is back in the catch-up.
    const delivered = new Set(frame.history.filter((m) => m.author.id === me.userId).map((m) => m.clientId));
    const pending = this.state.pending.filter((message) => !delivered.has(message.clientId));
    const oldest = this.sorted()[0]?.seq ?? frame.seq + 1;
    this.update({
      status: { kind: 'connected' },
      me,
      members: frame.members,
      messages: this.sorted(),
      pending,
      typing: [],
      clockOffset: Date.parse(frame.now) - Date.now(),
      older: first ? (oldest > 1 && this.source.history ? 'idle' : 'done') : this.state.older,
    });
    this.flush();
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.transmit({ type: 'ping' })) this.expectReply();
    }, PING_EVERY_MS);
    if (!first) void this.refreshRecent(generation);
  }

  private emit(frame: ExtraFrame): void {
    if (this.stopped) return;
    for (const listener of this.frameListeners) listener(frame);
  }

  private message({ type: _, ...message }: Extract<ServerFrame, { type: 'message' }>): void {
    if (this.deletedIds.has(message.id)) return;
    this.bySeq.set(message.seq, message);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    const mine = message.author.id === this.state.me?.userId;
    if (mine) this.sentOn.delete(message.clientId);
    this.update({
      messages: this.sorted(),
      pending: mine ? this.state.pending.filter((p) => p.clientId !== message.clientId) : this.state.pending,
      typing: this.state.typing.filter((typist) => typist.userId !== message.author.id),
      incoming: mine ? this.state.incoming : message,
    });
  }

  private ack(frame: Extract<ServerFrame, { type: 'ack' }>): void {
    const sent = this.state.pending.find((message) => message.clientId === frame.clientId);
    if (!sent) return;
    const { me, clockOffset } = this.state;
    // The `message` broadcast follows at once and replaces this copy; the ack alone must already move it out of "sending".
    if (me && !this.bySeq.has(frame.seq) && !this.deletedIds.has(frame.id)) {
      this.bySeq.set(frame.seq, {
        id: frame.id,
        seq: frame.seq,
        clientId: frame.clientId,
        author: { id: me.userId, name: me.name },
        text: sent.text,
        sentAt: new Date(Date.now() + clockOffset).toISOString(),
        editedAt: null,
      });
    }
    this.sentOn.delete(frame.clientId);
    this.update({
      messages: this.sorted(),
      pending: this.state.pending.filter((message) => message.clientId !== frame.clientId),
    });
  }

  private someoneTyping(frame: Extract<ServerFrame, { type: 'typing' }>): void {
    if (frame.userId === this.state.me?.userId) return; // our own other tab
    const typist: Typist = {
      userId: frame.userId,
      name: frame.name,
      expiresAt: Date.parse(frame.expiresAt) - this.state.clockOffset,
    };
    this.update({ typing: [...this.state.typing.filter((t) => t.userId !== frame.userId), typist] });
    this.pruneTyping();
  }

  /** Drops typing indicators whose `expiresAt` has passed (a `stop-typing` may never come: a tab closed). */
  private pruneTyping(): void {
    clearTimeout(this.typingTimer);
    const now = Date.now();
    const live = this.state.typing.filter((typist) => typist.expiresAt > now);
    if (live.length !== this.state.typing.length) this.update({ typing: live });
    if (live.length === 0) return;
    const next = Math.min(...live.map((typist) => typist.expiresAt));
    this.typingTimer = setTimeout(() => this.pruneTyping(), next - now + 50);
  }

  // ---- history --------------------------------------------------------------

  /** Pages in, newest first, what a truncated catch-up left out: everything after `from` up to `to`. */
  private async fillGap(from: number, to: number, generation: number): Promise<void> {
    const { history } = this.source;
    if (!history) {
      // Nothing to page from: what the socket brought is all there is.
      this.gapFrom = null;
      return;
    }
    let before = to + 1;
    try {
      for (;;) {
        const page = await history(before, GAP_PAGE_SIZE);
        if (generation !== this.generation) return;
        this.absorb(page.items.filter((message) => message.seq > from));
        this.update({ messages: this.sorted() });
        const lowest = page.items.at(-1)?.seq;
        if (!page.nextCursor || lowest === undefined || lowest <= from + 1) break;
        before = lowest;
      }
      this.gapFrom = null;
    } catch {
      // Left as is: the next reconnect asks for `since=gapFrom` and gets the rest.
    }
  }

  /**
   * After a reconnect: the catch-up holds only messages newer than `since`, so
   * edits and deletions of messages already shown are read from the newest page.
   */
  private async refreshRecent(generation: number): Promise<void> {
    const { history } = this.source;
    if (!history) return;
    let page: { items: HistoryMessage[] };
    try {
      page = await history(null, PAGE_SIZE);
    } catch {
      return;
    }
    if (generation !== this.generation) return;
    let changed = false;
    for (const item of page.items) {
      const shown = this.bySeq.get(item.seq);
      if (shown?.id !== item.id) continue;
      if (item.deleted) {
        this.forget(item.id, item.seq);
        changed = true;
      } else if (item.editedAt !== shown.editedAt) {
        this.bySeq.set(item.seq, { ...shown, text: item.text, editedAt: item.editedAt });
        changed = true;
      }
    }
    if (changed) this.update({ messages: this.sorted() });
  }

  /** Adds history messages not shown yet; a seq already shown is kept as it is. */
  private absorb(items: HistoryMessage[]): void {
    for (const item of items) {
      if (item.deleted) this.forget(item.id, item.seq);
      else if (!this.deletedIds.has(item.id) && !this.bySeq.has(item.seq))
        this.bySeq.set(item.seq, withoutDeletedFlag(item));
    }
  }

  private forget(id: string, seq: number): void {
    this.deletedIds.add(id);
    if (this.bySeq.get(seq)?.id === id) this.bySeq.delete(seq);
  }

  private sorted(): MessageView[] {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  // ---- state ----------------------------------------------------------------

  private notify(text: string): void {
    clearTimeout(this.noticeTimer);
    this.update({ notice: { id: ++this.noticeId, text } });
    this.noticeTimer = setTimeout(() => this.update({ notice: null }), NOTICE_MS);
  }

  private update(patch: Partial<ChatState>): void {
    if (this.stopped) return;
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** The member list after one presence delta: added, updated, or removed when no connection is left. */
export function applyPresence(members: Member[], change: Member): Member[] {
  const others = members.filter((member) => member.userId !== change.userId);
  if (change.connections === 0) return others;
  return [...others, change].sort((a, b) => a.name.localeCompare(b.name));
}
