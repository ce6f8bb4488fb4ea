import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { isSessionRevoked } from '../features/auth/revocation';
import { reportError } from '../features/ops/errors';
import { type RealtimeEvent, type RoomKind, writeRealtimePoint } from '../features/ops/metrics';
import { randomToken } from '../lib/ids';
import { ClientFrame, CloseCode, MAX_FRAME_BYTES, type Member, type MessageView, type ServerFrame } from './protocol';

/** Who a socket belongs to; checked by the worker before the upgrade reached this object. */
export interface Identity {
  userId: string;
  name: string;
  sessionId: string;
  isAdmin: boolean;
}

/**
 * What survives hibernation with each socket (at most 16 KiB). Framework state
 * and room state are kept apart: rooms keep their own under `room`.
 */
interface Attachment {
  identity: Identity;
  connectionId: string;
  connectedAt: number;
}

/** The header in which the worker hands an admitted socket's details to the object. */
export const ADMISSION_HEADER = 'x-hearth-admission';

/** What the worker checked before forwarding an upgrade (see features/rooms/upgrade.ts). */
export interface AdmissionTicket {
  identity: Identity;
  /** The room as the worker read it from D1 at the moment of the upgrade. */
  room: { id: string; ownerId: string };
  /** Coworking sessions: what the object needs to set its timer up, as D1 holds it. */
  session?: SessionSetup;
  /** Every block the user is part of, either way (`[blocker, blocked]`), read with the admission. */
  blocks?: [string, string][];
  /** The ticket's nonce, spent here so the ticket opens one socket only. */
  nonce: string;
  expiresAt: number;
}

/** A coworking session as D1 holds it at creation: its object starts its timer from this. */
export interface SessionSetup {
  id: string;
  hostId: string;
  durationMinutes: number;
  /** Epoch ms of a scheduled start, or null for a session the host starts. */
  startsAt: number | null;
}

/** How often open sockets are checked against session revocation and membership. */
const LIVENESS_MS = 30_000;
/** Token bucket per user: a burst of 20 frames, refilled at 5 per second. */
const BUCKET = { capacity: 20, refillPerSecond: 5 };
/** Refusals in a row before a flooder is disconnected. */
const FLOOD_STRIKES = 10;

/**
 * A frame and the person it comes from or is about: for an edit or a deletion,
 * the author of the message it changes. `null`: a frame for everyone (presence,
 * the timer, the member list).
 */
export interface Authored {
  frame: ServerFrame;
  authorId: string | null;
}

/** Edits and deletions name only the message, not whose it is: whoever sends one names the author. */
type Unattributed = Extract<ServerFrame, { type: 'edited' | 'deleted' }>;

/** The person a frame comes from, for the frames that say so themselves; null for everyone's frames. */
function senderOf(frame: Exclude<ServerFrame, Unattributed>): string | null {
  switch (frame.type) {
    case 'message':
      return frame.author.id;
    case 'typing':
    case 'stop-typing':
    case 'reaction':
      return frame.userId;
    default:
      return null;
  }
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  strikes: number;
}

/**
 * The base every realtime room stands on: one Durable Object per room, on the
 * hibernation API, so an idle room costs nothing while its sockets stay open.
 *
 * The platform forces the shape. After hibernation the constructor runs again
 * and in-memory state is gone, so identities ride in each socket's attachment
 * and the presence map is rebuilt from `getWebSockets()`. Pings are answered
 * by the runtime without waking the object. An alarm is the only timer that
 * survives eviction, so every scheduled job (liveness checks, archiving,
 * coworking timers) goes through one small scheduler over a single alarm.
 *
 * Subclasses fill in `onConnect`, `onFrame`, `onDisconnect` and `onTask`.
 */
export abstract class RoomBase extends DurableObject<Env> {
  protected readonly sql: SqlStorage;
  private readonly connections = new Map<WebSocket, Attachment>();
  /** The same sockets by user, so presence is counted per user without scanning every socket. */
  private readonly byUser = new Map<string, { name: string; sockets: Set<WebSocket> }>();
  private readonly buckets = new Map<string, Bucket>();
  /** Who is hidden from whom here, both ways, rebuilt from `room_blocks` (which survives hibernation). */
  private hidden = new Map<string, Set<string>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      DROP TABLE IF EXISTS room_tickets;
      CREATE TABLE IF NOT EXISTS spent_tickets (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS room_tasks (name TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS room_blocks (blocker TEXT NOT NULL, blocked TEXT NOT NULL, PRIMARY KEY (blocker, blocked));
    `);
    this.loadHidden();
    // Answered by the runtime itself: a ping never wakes a hibernating room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    for (const ws of ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as Attachment | null;
      if (attachment) this.track(ws, attachment);
    }
  }

  /** Which kind of room this is, in metrics and error reports. */
  protected abstract readonly kind: RoomKind;

  // ---- hooks ----------------------------------------------------------------

  /** A socket joined; send it its welcome. `since` is the last seq the client saw, if any. */
  protected abstract onConnect(ws: WebSocket, identity: Identity, since: number | null): Promise<void> | void;
  protected abstract onFrame(ws: WebSocket, identity: Identity, frame: ClientFrame): Promise<void> | void;
  protected onDisconnect(_identity: Identity): Promise<void> | void {}
  /** A scheduled task fell due (see `schedule`). */
  protected onTask(_name: string): Promise<void> | void {}
  /** Whether `identity` may still be here; checked every 30 s while connected. */
  protected abstract stillAllowed(identity: Identity): Promise<boolean>;
  /** A socket is being admitted to `room` (as the worker just read it); rooms keep what they need of it. */
  protected onAdmit(_room: AdmissionTicket['room'], _admission: AdmissionTicket): void {}

  // ---- what the worker calls (RPC) -------------------------------------------

  /** Closes every socket of a user at once, e.g. when they leave or are removed. */
  disconnectUser(userId: string, reason: string): void {
    for (const [ws, attachment] of this.connections) {
      if (attachment.identity.userId === userId) this.closeSocket(ws, CloseCode.policyViolation, reason);
    }
  }

  /**
   * `userId`'s whole block list, as D1 holds it now: the worker calls this on
   * every block and unblock for each place both people share, so the room
   * filters at once. Stored, not attached to sockets, so it survives
   * hibernation and holds for sockets opened later.
   */
  setBlocks(userId: string, blockedIds: readonly string[]): void {
    this.sql.exec('DELETE FROM room_blocks WHERE blocker = ?', userId);
    for (const blocked of new Set(blockedIds)) {
      this.sql.exec('INSERT OR IGNORE INTO room_blocks (blocker, blocked) VALUES (?, ?)', userId, blocked);
    }
    this.loadHidden();
  }

  /** Closes every socket and forgets everything this room stored. */
  async destroy(): Promise<void> {
    for (const ws of this.connections.keys()) this.closeSocket(ws, CloseCode.goingAway, 'Room deleted');
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /**
   * The upgrade, reachable only through the worker (a Durable Object has no
   * public address): it has verified the ticket's signature, expiry and room,
   * the Origin, the session and the membership. Here the ticket's nonce is
   * spent in one INSERT OR IGNORE, so a ticket opens one socket only.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a websocket upgrade', { status: 426 });
    }
    const url = new URL(request.url);
    const header = request.headers.get(ADMISSION_HEADER);
    if (!header) {
      this.point('refused', 'not admitted', 401);
      return new Response('Not admitted', { status: 401 });
    }
    const admission = JSON.parse(header) as AdmissionTicket;
    const now = Date.now();
    this.sql.exec('DELETE FROM spent_tickets WHERE expires_at < ?', now);
    const spent = this.sql
      .exec(
        'INSERT OR IGNORE INTO spent_tickets (nonce, expires_at) VALUES (?, ?) RETURNING nonce',
        admission.nonce,
        admission.expiresAt,
      )
      .toArray();
    if (spent.length === 0) {
      this.point('refused', 'ticket already used', 401);
      return new Response('Ticket already used', { status: 401 });
    }
    const identity = admission.identity;
    this.replaceBlocksOf(identity.userId, admission.blocks ?? []);
    this.onAdmit(admission.room, admission);
    const sinceParam = url.searchParams.get('since');
    const since = sinceParam !== null && /^\d+$/.test(sinceParam) ? Number(sinceParam) : null;

    const { 0: client, 1: server } = new WebSocketPair();
    const attachment: Attachment = { identity, connectionId: randomToken(9), connectedAt: Date.now() };
    this.ctx.acceptWebSocket(server, [identity.userId]);
    server.serializeAttachment(attachment);
    this.track(server, attachment);
    this.point('opened');
    // The newcomer's welcome holds the full member list; everyone else hears one small delta.
    await this.reported('connect', identity.userId, () => this.onConnect(server, identity, since));
    this.broadcastPresenceOf(identity, server);
    await this.schedule('liveness', Date.now() + LIVENESS_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  // ---- hibernation handlers --------------------------------------------------

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = this.connections.get(ws);
    if (!attachment) return this.refuse(ws, CloseCode.policyViolation, 'Unknown connection');
    if (typeof message !== 'string')
      return this.refuse(ws, CloseCode.unsupportedData, 'Binary frames are not supported');
    if (message.length > MAX_FRAME_BYTES || new TextEncoder().encode(message).byteLength > MAX_FRAME_BYTES) {
      return this.refuse(ws, CloseCode.messageTooBig, 'Frame larger than 64 KiB');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return this.refuse(ws, CloseCode.invalidPayload, 'Frames must be JSON');
    }
    const frame = ClientFrame.safeParse(parsed);
    if (!frame.success) {
      // Text that is simply too long is the user's mistake, not a broken client: answer, don't disconnect.
      const tooLong = frame.error.issues.some((issue) => issue.code === 'too_big' && issue.path[0] === 'text');
      if (tooLong) {
        this.point('refused', 'text too long');
        return this.send(ws, {
          type: 'error',
          code: 'validation_failed',
          message: 'Messages are limited to 4,000 characters.',
        });
      }
      return this.refuse(ws, CloseCode.invalidPayload, 'Unknown or malformed frame');
    }
    if (!this.takeToken(ws, attachment.identity.userId)) return;
    this.point('message', frame.data.type);
    await this.reported(`frame ${frame.data.type}`, attachment.identity.userId, () =>
      this.onFrame(ws, attachment.identity, frame.data),
    );
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Answer the close frame, or the client sees 1006 instead of its own code.
    this.closeSocket(ws, code === 1005 || code === 1006 ? CloseCode.normal : code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.closeSocket(ws, CloseCode.goingAway, 'Connection error');
  }

  /** Alarms fire at least once: every task is idempotent, and only tasks that are due run. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.sql.exec<{ name: string }>('SELECT name FROM room_tasks WHERE at <= ?', now).toArray();
    for (const { name } of due) {
      this.sql.exec('DELETE FROM room_tasks WHERE name = ? AND at <= ?', name, now);
      await this.reported(`task ${name}`, null, () => (name === 'liveness' ? this.checkLiveness() : this.onTask(name)));
    }
    await this.armAlarm();
  }

  // ---- helpers for rooms -----------------------------------------------------

  /** Runs task `name` at `at` (the earlier time wins if it is already scheduled). */
  protected async schedule(name: string, at: number): Promise<void> {
    // Synchronous SQLite first: when the task is already due as early, nothing async happens,
    // so a busy room does not wait on the alarm API once per message.
    const existing = this.sql.exec<{ at: number }>('SELECT at FROM room_tasks WHERE name = ?', name).toArray()[0];
    if (existing && existing.at <= at) return;
    this.sql.exec(
      'INSERT INTO room_tasks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at',
      name,
      at,
    );
    await this.armAlarm();
  }

  protected async cancel(name: string): Promise<void> {
    this.sql.exec('DELETE FROM room_tasks WHERE name = ?', name);
    await this.armAlarm();
  }

  private async armAlarm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>('SELECT min(at) AS at FROM room_tasks').one().at;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    // A task already overdue runs as soon as possible; the platform refuses times in the past.
    const at = Math.max(next, Date.now() + 1);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  protected send(ws: WebSocket, frame: ServerFrame): void {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket closed between our check and the send; its close handler tidies up.
    }
  }

  /**
   * The one rule a block makes here, on every path a frame takes (live
   * broadcast, a welcome's history, a reconnect's catch-up): nothing from or
   * about `authorId` reaches `viewerId` when either has blocked the other.
   */
  private reaches(authorId: string | null, viewerId: string): boolean {
    return authorId === null || authorId === viewerId || !this.hidden.get(authorId)?.has(viewerId);
  }

  /**
   * Sends `frame` to every socket but `except`, through the block filter: a
   * message, typing or reaction frame skips whoever is hidden from its sender;
   * an edit or deletion (whose author the caller must name as `authorId`)
   * skips whoever is hidden from the message's author; presence, timer, member
   * list and the rest (`authorId` null) go to everyone.
   */
  protected broadcast(frame: Exclude<ServerFrame, Unattributed>, except?: WebSocket): void;
  protected broadcast(frame: ServerFrame, except: WebSocket | undefined, authorId: string | null): void;
  protected broadcast(frame: ServerFrame, except?: WebSocket, authorId?: string | null): void {
    const from = authorId !== undefined ? authorId : senderOf(frame as Exclude<ServerFrame, Unattributed>);
    const text = JSON.stringify(frame);
    for (const [ws, attachment] of this.connections) {
      if (ws === except || !this.reaches(from, attachment.identity.userId)) continue;
      try {
        ws.send(text);
      } catch {}
    }
  }

  /** `change.frame` to every socket, through the block filter, as its author says. */
  protected broadcastChange(change: Authored, except?: WebSocket): void {
    this.broadcast(change.frame, except, change.authorId);
  }

  /** A welcome's history as `viewerId` may see it: the same filter as live frames. */
  protected visibleHistory(viewerId: string, history: MessageView[]): MessageView[] {
    return history.filter((message) => this.reaches(message.author.id, viewerId));
  }

  /** A reconnect's catch-up (edits and deletions missed) to one socket, through the same filter. */
  protected replay(ws: WebSocket, viewerId: string, changes: readonly Authored[]): void {
    for (const change of changes) if (this.reaches(change.authorId, viewerId)) this.send(ws, change.frame);
  }

  /**
   * Replaces what this room knows of `userId`'s blocks, both ways, with what
   * D1 held when the worker admitted them (read in the admission's one query).
   */
  private replaceBlocksOf(userId: string, blocks: readonly [string, string][]): void {
    // Most people block nobody: then a join costs no write and no rebuild of the map.
    if (blocks.length === 0 && !this.hidden.has(userId)) return;
    this.sql.exec('DELETE FROM room_blocks WHERE blocker = ? OR blocked = ?', userId, userId);
    for (const [blocker, blocked] of blocks) {
      this.sql.exec('INSERT OR IGNORE INTO room_blocks (blocker, blocked) VALUES (?, ?)', blocker, blocked);
    }
    this.loadHidden();
  }

  private loadHidden(): void {
    const hidden = new Map<string, Set<string>>();
    const add = (from: string, to: string) => {
      const set = hidden.get(from);
      if (set) set.add(to);
      else hidden.set(from, new Set([to]));
    };
    for (const row of this.sql.exec<{ blocker: string; blocked: string }>('SELECT blocker, blocked FROM room_blocks')) {
      add(row.blocker, row.blocked);
      add(row.blocked, row.blocker);
    }
    this.hidden = hidden;
  }

  protected members(): Member[] {
    return [...this.byUser]
      .map(([userId, { name, sockets }]) => ({ userId, name, connections: sockets.size }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private track(ws: WebSocket, attachment: Attachment): void {
    this.connections.set(ws, attachment);
    const { userId, name } = attachment.identity;
    const entry = this.byUser.get(userId);
    if (entry) entry.sockets.add(ws);
    else this.byUser.set(userId, { name, sockets: new Set([ws]) });
  }

  /** Forgets a socket; true when it was its user's last one here. */
  private untrack(ws: WebSocket, attachment: Attachment): boolean {
    this.connections.delete(ws);
    const entry = this.byUser.get(attachment.identity.userId);
    entry?.sockets.delete(ws);
    if (entry && entry.sockets.size > 0) return false;
    this.byUser.delete(attachment.identity.userId);
    return true;
  }

  protected connectionOf(ws: WebSocket): { identity: Identity; connectionId: string } | undefined {
    return this.connections.get(ws);
  }

  protected socketsOf(userId: string): WebSocket[] {
    return [...(this.byUser.get(userId)?.sockets ?? [])];
  }

  protected get connectedCount(): number {
    return this.connections.size;
  }

  protected closeSocket(ws: WebSocket, code: number, reason: string): void {
    const attachment = this.connections.get(ws);
    try {
      ws.close(code, reason.slice(0, 120));
    } catch {
      // Already closed.
    }
    if (!attachment) return;
    this.point('closed', '', code, Date.now() - attachment.connectedAt);
    if (this.untrack(ws, attachment)) {
      this.buckets.delete(attachment.identity.userId);
      void this.onDisconnect(attachment.identity);
    }
    this.broadcastPresenceOf(attachment.identity);
  }

  /**
   * One member's new state, to everyone (but `except`): joined, another tab,
   * one tab fewer, or gone (`connections: 0`). Sending the whole list on every
   * join made 200 joins cost 200² list entries; a delta costs one line each.
   */
  private broadcastPresenceOf({ userId, name }: Identity, except?: WebSocket): void {
    const connections = this.byUser.get(userId)?.sockets.size ?? 0;
    this.broadcast({ type: 'presence', member: { userId, name, connections } }, except);
  }

  /** One bucket per user across their tabs, so opening more tabs buys no more throughput. */
  private takeToken(ws: WebSocket, userId: string): boolean {
    const now = Date.now();
    const bucket = this.buckets.get(userId) ?? { tokens: BUCKET.capacity, updatedAt: now, strikes: 0 };
    bucket.tokens = Math.min(
      BUCKET.capacity,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * BUCKET.refillPerSecond,
    );
    bucket.updatedAt = now;
    this.buckets.set(userId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.strikes = 0;
      return true;
    }
    bucket.strikes++;
    if (bucket.strikes >= FLOOD_STRIKES) {
      for (const socket of this.socketsOf(userId)) this.refuse(socket, CloseCode.policyViolation, 'Flooding');
    } else {
      this.point('refused', 'rate limited');
      this.send(ws, { type: 'error', code: 'rate_limited', message: 'Slow down: too many messages.' });
    }
    return false;
  }

  /** One Analytics Engine data point for this room (src/features/ops/metrics.ts); `detail` is never user text. */
  private point(event: RealtimeEvent, detail = '', code = 0, durationMs = 0): void {
    writeRealtimePoint(this.env.ANALYTICS, this.kind, event, detail, { code, durationMs });
  }

  /** A socket closed for breaking the protocol or the limits: counted as a refusal, then closed. */
  private refuse(ws: WebSocket, code: number, reason: string): void {
    this.point('refused', reason, code);
    this.closeSocket(ws, code, reason);
  }

  /**
   * Runs a room's hook; an error it throws is reported (D1 and Sentry, with
   * the room kind, hook and user) and thrown on, so the platform still sees
   * the failure as before.
   */
  private async reported(hook: string, userId: string | null, run: () => Promise<void> | void): Promise<void> {
    try {
      await run();
    } catch (error) {
      await reportError(this.env, this.ctx, error, { source: 'durable_object', route: `${this.kind} ${hook}`, userId });
      throw error;
    }
  }

  /** Closes sockets whose session was ended or whose access to the room was withdrawn. */
  private async checkLiveness(): Promise<void> {
    const checked = new Map<string, boolean>();
    for (const [ws, { identity }] of [...this.connections]) {
      const key = `${identity.sessionId}:${identity.userId}`;
      let ok = checked.get(key);
      if (ok === undefined) {
        ok = !(await isSessionRevoked(this.env.KV, identity.sessionId)) && (await this.stillAllowed(identity));
        checked.set(key, ok);
      }
      if (!ok) this.closeSocket(ws, CloseCode.policyViolation, 'Access to this room has ended');
    }
    if (this.connections.size > 0) await this.schedule('liveness', Date.now() + LIVENESS_MS);
  }
}
