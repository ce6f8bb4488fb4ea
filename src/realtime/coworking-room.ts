import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { createDb } from '../db/client';
import { coworkingParticipants, coworkingSessions, sprints, users } from '../db/schema';
import type { Env } from '../env';
import { activityInsert } from '../features/metrics/activity';
import { newId } from '../lib/ids';
import { localDate } from '../lib/local-date';
import { MessageLog } from './message-log';
import type { ClientFrame, TimerFrame, TimerPhase } from './protocol';
import { type AdmissionTicket, type Identity, RoomBase, type SessionSetup } from './room-base';

/** A session runs at most 8 hours, extensions included. */
export const MAX_SESSION_MS = 8 * 60 * 60 * 1000;
/** The host may be away this long (no open socket) before the longest-present participant takes over. */
export const HOST_ABSENCE_MS = 5 * 60 * 1000;
/** Reactions anyone may send; anything else is refused. */
export const REACTIONS = ['👏', '🔥', '💪', '🎉', '☕', '❤️', '👍', '😂'] as const;
/** Per user: a burst of 5 reactions, one more every 2 seconds. */
const REACTION_BUCKET = { capacity: 5, refillMs: 2000 };
const TYPING_TTL_MS = 5000;
/** Retry for the D1 copy of the end, when D1 could not be reached. */
const SYNC_RETRY_MS = 30_000;

export type ControlAction = Extract<ClientFrame, { type: 'control' }>['action'];

export type ControlResult =
  | { ok: true; timer: TimerFrame }
  | { ok: false; code: 'forbidden' | 'conflict' | 'not_found' | 'validation_failed'; message: string };

/**
 * The timer as stored: instants, never a ticking counter, so eviction,
 * hibernation or a late alarm cannot make it drift. While running, the time
 * left is `endsAt - now`; while paused it is `endsAt - pausedAt`, and resuming
 * moves `endsAt` by the pause.
 */
interface TimerState {
  id: string;
  hostId: string;
  phase: TimerPhase;
  /** The planned length, extensions included. */
  durationMs: number;
  startsAt: number | null;
  startedAt: number | null;
  endsAt: number | null;
  pausedAt: number | null;
  pausedMs: number;
  endedAt: number | null;
  version: number;
  /** The D1 copy of the end is still to be written. */
  unsynced: boolean;
}

/**
 * One coworking session: a focus timer the server owns, presence, reactions,
 * confetti and an ephemeral chat. The chat is the same message log as a chat
 * room's, but it lives only in this object's storage and is deleted when the
 * session ends; nothing of it is ever written to D1.
 *
 * Attendance is kept exactly: a user's present time grows only while they
 * have a socket open and the timer runs, settled at every connect, disconnect
 * and phase change. Ending is idempotent (alarms fire at least once): the
 * phase is checked and set in one synchronous step, and what is written to D1
 * is set, not added, so a second end credits nobody twice.
 */
export class CoworkingRoom extends RoomBase {
  protected readonly kind = 'coworking' as const;
  private readonly log: MessageLog;
  private readonly reactionBuckets = new Map<string, { tokens: number; at: number }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.log = new MessageLog(this.sql);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS attendance (
        user_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        present_ms INTEGER NOT NULL DEFAULT 0,
        counting_since INTEGER
      );
    `);
  }

  // ---- state ---------------------------------------------------------------

  private state(): TimerState | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'timer'").toArray()[0];
    return row ? (JSON.parse(row.value) as TimerState) : null;
  }

  private save(state: TimerState): void {
    this.sql.exec(
      "INSERT INTO room_meta (key, value) VALUES ('timer', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(state),
    );
  }

  private timerFrame(state: TimerState, at = Date.now()): TimerFrame {
    const remainingMs =
      state.phase === 'lobby'
        ? state.durationMs
        : state.phase === 'running'
          ? Math.max(0, (state.endsAt ?? at) - at)
          : state.phase === 'paused'
            ? Math.max(0, (state.endsAt ?? 0) - (state.pausedAt ?? 0))
            : 0;
    return {
      type: 'timer',
      phase: state.phase,
      startedAt: iso(state.startedAt),
      endsAt: iso(state.endsAt),
      remainingMs,
      durationMs: state.durationMs,
      now: new Date(at).toISOString(),
      version: state.version,
    };
  }

  // ---- what the worker calls (RPC) -----------------------------------------

  /** Sets the session up (once; later calls change nothing) and arms a scheduled start. */
  async setup(session: SessionSetup): Promise<TimerFrame> {
    const existing = this.state();
    if (existing) return this.timerFrame(existing);
    const state: TimerState = {
      id: session.id,
      hostId: session.hostId,
      phase: 'lobby',
      durationMs: session.durationMinutes * 60_000,
      startsAt: session.startsAt,
      startedAt: null,
      endsAt: null,
      pausedAt: null,
      pausedMs: 0,
      endedAt: null,
      version: 1,
      unsynced: false,
    };
    this.save(state);
    if (session.startsAt !== null) await this.schedule('start', session.startsAt);
    return this.timerFrame(state);
  }

  /** The timer now, for the REST details of a session. */
  timer(): TimerFrame | null {
    const state = this.state();
    return state ? this.timerFrame(state) : null;
  }

  /** The timer state; an object never set up (its creation's setup lost) is set up from `setup` first. */
  private async stateOrSetup(setup?: SessionSetup): Promise<TimerState | null> {
    const state = this.state();
    if (state || !setup) return state;
    await this.setup(setup);
    return this.state();
  }

  /** A host control from REST or the socket; only the current host may. */
  async control(
    actorId: string,
    action: ControlAction,
    minutes?: number,
    setup?: SessionSetup,
  ): Promise<ControlResult> {
    const state = await this.stateOrSetup(setup);
    if (!state) return { ok: false, code: 'not_found', message: 'No such session.' };
    if (actorId !== state.hostId) return { ok: false, code: 'forbidden', message: 'Only the host controls the timer.' };
    return this.apply(state, action, minutes, actorId);
  }

  /** The host hands over to a participant; the worker has checked they are in the session. */
  async handOver(fromId: string, to: { userId: string; name: string }, setup?: SessionSetup): Promise<ControlResult> {
    const state = await this.stateOrSetup(setup);
    if (!state) return { ok: false, code: 'not_found', message: 'No such session.' };
    if (state.phase === 'ended') return { ok: false, code: 'conflict', message: 'The session has ended.' };
    if (fromId !== state.hostId) return { ok: false, code: 'forbidden', message: 'Only the host can hand over.' };
    await this.changeHost(state, to);
    return { ok: true, timer: this.timerFrame(state) };
  }

  /** A participant was removed by the host: their sockets close at once. */
  removeParticipant(userId: string): void {
    this.disconnectUser(userId, 'You were removed from this session');
  }

  /** A message as a report copies it (author and text); null when it is not here or was deleted. */
  reportedMessage(messageId: string): { authorId: string; text: string } | null {
    return this.log.find(messageId);
  }

  /** What the ephemeral chat holds now (for tests and the session's own checks). */
  messageCount(): number {
    return this.log.count();
  }

  // ---- the timer -----------------------------------------------------------

  private async apply(
    state: TimerState,
    action: ControlAction,
    minutes: number | undefined,
    by: string | null,
  ): Promise<ControlResult> {
    const now = Date.now();
    const refuse = (message: string): ControlResult => ({ ok: false, code: 'conflict', message });
    if (state.phase === 'ended') return refuse('The session has ended.');
    switch (action) {
      case 'start':
        if (state.phase !== 'lobby') return refuse('The session has already started.');
        state.phase = 'running';
        state.startedAt = now;
        state.endsAt = now + state.durationMs;
        this.startCounting(now);
        await this.cancel('start');
        await this.schedule('end', state.endsAt);
        break;
      case 'pause':
        if (state.phase !== 'running') return refuse('Only a running timer can be paused.');
        state.phase = 'paused';
        state.pausedAt = now;
        this.stopCounting(now);
        await this.cancel('end');
        break;
      case 'resume': {
        if (state.phase !== 'paused' || state.pausedAt === null || state.endsAt === null) {
          return refuse('Only a paused timer can be resumed.');
        }
        const paused = now - state.pausedAt;
        state.pausedMs += paused;
        state.endsAt += paused;
        state.pausedAt = null;
        state.phase = 'running';
        this.startCounting(now);
        await this.schedule('end', state.endsAt);
        break;
      }
      case 'extend': {
        const added = (minutes ?? 5) * 60_000;
        if (state.durationMs + added > MAX_SESSION_MS) {
          return { ok: false, code: 'validation_failed', message: 'A session lasts at most 8 hours in all.' };
        }
        state.durationMs += added;
        if (state.endsAt !== null) state.endsAt += added;
        if (state.phase === 'running' && state.endsAt !== null) {
          await this.cancel('end');
          await this.schedule('end', state.endsAt);
        }
        break;
      }
      case 'celebrate':
        this.broadcast({ type: 'confetti', by });
        return { ok: true, timer: this.timerFrame(state, now) };
      case 'end':
        await this.finish(state, now);
        return { ok: true, timer: this.timerFrame(state, now) };
    }
    state.version++;
    this.save(state);
    const frame = this.timerFrame(state, now);
    this.broadcast(frame);
    await this.copyPhase(state);
    return { ok: true, timer: frame };
  }

  /** The end, once: attendance settled, chat deleted, D1 told, confetti, sockets closed normally. */
  private async finish(state: TimerState, now: number): Promise<void> {
    if (state.phase === 'ended') return;
    this.stopCounting(now);
    if (state.phase === 'paused' && state.pausedAt !== null) state.pausedMs += now - state.pausedAt;
    state.phase = 'ended';
    state.endedAt = now;
    state.pausedAt = null;
    state.version++;
    state.unsynced = true;
    this.save(state);
    this.log.clear();
    await this.cancel('start');
    await this.cancel('end');
    await this.cancel('host-absent');
    this.broadcast(this.timerFrame(state, now));
    this.broadcast({ type: 'confetti', by: null });
    await this.syncEnd(state);
    for (const ws of this.ctx.getWebSockets()) this.closeSocket(ws, 1000, 'Session ended');
  }

  /**
   * Writes the end, everyone's present minutes and a sprint record per
   * participant to D1, in one batch. Values are set, not added, and a sprint
   * is keyed by (session, user), so running it twice changes nothing.
   */
  private async syncEnd(state: TimerState): Promise<void> {
    const db = createDb(this.env.DB);
    const cap = Math.ceil(state.durationMs / 60_000);
    const endedAt = new Date(state.endedAt ?? Date.now());
    const rows = this.sql
      .exec<{ user_id: string; present_ms: number }>('SELECT user_id, present_ms FROM attendance')
      .toArray();
    const minutes = (row: { present_ms: number }) => Math.min(cap, Math.floor(row.present_ms / 60_000));
    let zones: Map<string, string | null>;
    try {
      const found = rows.length
        ? await db
            .select({ id: users.id, timezone: users.timezone })
            .from(users)
            .where(
              inArray(
                users.id,
                rows.map((row) => row.user_id),
              ),
            )
        : [];
      zones = new Map(found.map((user) => [user.id, user.timezone]));
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', msg: 'session end sync failed', session: state.id, error: String(error) }),
      );
      await this.schedule('sync', Date.now() + SYNC_RETRY_MS);
      return;
    }
    const statements = [
      db
        .update(coworkingSessions)
        .set({
          phase: 'ended',
          endedAt: new Date(state.endedAt ?? Date.now()),
          pausedMs: state.pausedMs,
          endsAt: state.endsAt === null ? null : new Date(state.endsAt),
          updatedAt: new Date(),
        })
        .where(eq(coworkingSessions.id, state.id)),
      ...rows.map((row) =>
        db
          .update(coworkingParticipants)
          .set({ minutesPresent: minutes(row) })
          .where(and(eq(coworkingParticipants.sessionId, state.id), eq(coworkingParticipants.userId, row.user_id))),
      ),
      // Accounts deleted meanwhile have no time zone entry and get no sprint.
      ...rows
        .filter((row) => zones.has(row.user_id))
        .map((row) =>
          db
            .insert(sprints)
            .values({
              id: newId(),
              userId: row.user_id,
              kind: 'session',
              sessionId: state.id,
              plannedMinutes: cap,
              startedAt: new Date(state.startedAt ?? endedAt.getTime()),
              plannedEndAt: new Date(state.endsAt ?? endedAt.getTime()),
              endedAt,
              status: 'completed',
              creditedMinutes: minutes(row),
              localDate: localDate(endedAt, zones.get(row.user_id)),
              createdAt: endedAt,
            })
            .onConflictDoUpdate({
              target: [sprints.sessionId, sprints.userId],
              targetWhere: sql`kind = 'session'`,
              set: { creditedMinutes: minutes(row), endedAt },
            }),
        ),
      // Attending (a minute or more) makes the day an active one; the insert does nothing the second time.
      ...rows
        .filter((row) => zones.has(row.user_id) && minutes(row) >= 1)
        .map((row) => activityInsert(db, row.user_id, 'session', endedAt)),
    ];
    try {
      await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', msg: 'session end sync failed', session: state.id, error: String(error) }),
      );
      await this.schedule('sync', Date.now() + SYNC_RETRY_MS);
      return;
    }
    state.unsynced = false;
    this.save(state);
  }

  /** Lists and lobbies read the phase and times from D1; the timer itself is here. A failed copy is only stale. */
  private async copyPhase(state: TimerState): Promise<void> {
    try {
      await createDb(this.env.DB)
        .update(coworkingSessions)
        .set({
          phase: state.phase,
          startedAt: state.startedAt === null ? null : new Date(state.startedAt),
          endsAt: state.endsAt === null ? null : new Date(state.endsAt),
          pausedMs: state.pausedMs,
          durationMinutes: Math.round(state.durationMs / 60_000),
          updatedAt: new Date(),
        })
        .where(and(eq(coworkingSessions.id, state.id), ne(coworkingSessions.phase, 'ended')));
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'warn', msg: 'session phase copy failed', session: state.id, error: String(error) }),
      );
    }
  }

  private async changeHost(state: TimerState, to: { userId: string; name: string }): Promise<void> {
    const from = state.hostId;
    state.hostId = to.userId;
    state.version++;
    this.save(state);
    await this.cancel('host-absent');
    this.broadcast({ type: 'host', userId: to.userId, name: to.name });
    const db = createDb(this.env.DB);
    await db.batch([
      db
        .update(coworkingSessions)
        .set({ hostId: to.userId, updatedAt: new Date() })
        .where(eq(coworkingSessions.id, state.id)),
      db
        .update(coworkingParticipants)
        .set({ mode: 'in_person' })
        .where(and(eq(coworkingParticipants.sessionId, state.id), eq(coworkingParticipants.userId, from))),
      db
        .update(coworkingParticipants)
        .set({ mode: 'host', leftAt: null })
        .where(and(eq(coworkingParticipants.sessionId, state.id), eq(coworkingParticipants.userId, to.userId))),
    ]);
    // A new host who is not connected starts the absence clock at once.
    if (this.socketsOf(to.userId).length === 0) await this.schedule('host-absent', Date.now() + HOST_ABSENCE_MS);
  }

  // ---- attendance ----------------------------------------------------------

  private startCounting(now: number): void {
    for (const member of this.members()) {
      this.sql.exec(
        'UPDATE attendance SET counting_since = ? WHERE user_id = ? AND counting_since IS NULL',
        now,
        member.userId,
      );
    }
  }

  private stopCounting(now: number, userId?: string): void {
    const where = userId === undefined ? '' : ' AND user_id = ?';
    this.sql.exec(
      `UPDATE attendance SET present_ms = present_ms + (? - counting_since), counting_since = NULL WHERE counting_since IS NOT NULL${where}`,
      now,
      ...(userId === undefined ? [] : [userId]),
    );
  }

  // ---- sockets -------------------------------------------------------------

  protected override onAdmit(_room: AdmissionTicket['room'], admission: AdmissionTicket): void {
    if (!this.state() && admission.session) {
      const { id, hostId, durationMinutes, startsAt } = admission.session;
      // setup() arms the scheduled start; here the object only needs its timer, synchronously.
      void this.setup({ id, hostId, durationMinutes, startsAt });
    }
  }

  protected async onConnect(ws: WebSocket, identity: Identity, since: number | null): Promise<void> {
    const now = Date.now();
    const state = this.state();
    this.sql.exec(
      `INSERT INTO attendance (user_id, name, first_seen) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET name = excluded.name`,
      identity.userId,
      identity.name,
      now,
    );
    if (state?.phase === 'running') {
      this.sql.exec(
        'UPDATE attendance SET counting_since = ? WHERE user_id = ? AND counting_since IS NULL',
        now,
        identity.userId,
      );
    }
    if (state && identity.userId === state.hostId) await this.cancel('host-absent');
    const connection = this.connectionOf(ws);
    const hostName = state ? this.nameOf(state.hostId) : null;
    const welcome = this.log.welcome(since);
    this.send(ws, {
      type: 'welcome',
      you: { userId: identity.userId, name: identity.name, connectionId: connection?.connectionId ?? '' },
      members: this.members(),
      ...welcome,
      history: this.visibleHistory(identity.userId, welcome.history),
      now: new Date(now).toISOString(),
      ...(state ? { timer: this.timerFrame(state, now), host: { userId: state.hostId, name: hostName } } : {}),
    });
    if (since !== null) this.replay(ws, identity.userId, this.log.changesSince(since));
  }

  protected override async onDisconnect(identity: Identity): Promise<void> {
    this.stopCounting(Date.now(), identity.userId);
    const state = this.state();
    if (state && identity.userId === state.hostId && (state.phase === 'lobby' || state.phase === 'running')) {
      await this.schedule('host-absent', Date.now() + HOST_ABSENCE_MS);
    }
  }

  private nameOf(userId: string): string | null {
    return (
      this.sql.exec<{ name: string }>('SELECT name FROM attendance WHERE user_id = ?', userId).toArray()[0]?.name ??
      null
    );
  }

  protected async onFrame(ws: WebSocket, identity: Identity, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'send': {
        if (this.state()?.phase === 'ended') return;
        const { message, duplicate } = this.log.append(identity, frame.clientId, frame.text);
        this.send(ws, { type: 'ack', clientId: frame.clientId, id: message.id, seq: message.seq });
        if (!duplicate) this.broadcast({ type: 'message', ...message });
        return;
      }
      case 'edit': {
        const change = this.log.edit(identity, frame.messageId, frame.text);
        if ('refused' in change) this.send(ws, { type: 'error', ...change.refused });
        else this.broadcastChange(change);
        return;
      }
      case 'delete': {
        const hostId = this.state()?.hostId;
        const result = this.log.remove(identity, frame.messageId, (who) => who.userId === hostId || who.isAdmin);
        if (typeof result === 'string') {
          this.send(ws, { type: 'error', code: result, message: 'You cannot delete that message.' });
        } else this.broadcastChange(result);
        return;
      }
      case 'typing':
        this.broadcast(
          {
            type: 'typing',
            userId: identity.userId,
            name: identity.name,
            expiresAt: new Date(Date.now() + TYPING_TTL_MS).toISOString(),
          },
          ws,
        );
        return;
      case 'stop-typing':
        this.broadcast({ type: 'stop-typing', userId: identity.userId }, ws);
        return;
      case 'leave':
        this.closeSocket(ws, 1000, 'Left the session');
        return;
      case 'react':
        if (!(REACTIONS as readonly string[]).includes(frame.emoji)) {
          this.send(ws, { type: 'error', code: 'validation_failed', message: `Reactions: ${REACTIONS.join(' ')}` });
          return;
        }
        if (!this.takeReaction(identity.userId)) {
          this.send(ws, { type: 'error', code: 'rate_limited', message: 'Too many reactions: wait a moment.' });
          return;
        }
        this.broadcast({ type: 'reaction', userId: identity.userId, emoji: frame.emoji });
        return;
      case 'control': {
        const result = await this.control(identity.userId, frame.action, frame.minutes);
        if (!result.ok) this.send(ws, { type: 'error', code: result.code, message: result.message });
        return;
      }
    }
  }

  private takeReaction(userId: string): boolean {
    const now = Date.now();
    const bucket = this.reactionBuckets.get(userId) ?? { tokens: REACTION_BUCKET.capacity, at: now };
    bucket.tokens = Math.min(REACTION_BUCKET.capacity, bucket.tokens + (now - bucket.at) / REACTION_BUCKET.refillMs);
    bucket.at = now;
    this.reactionBuckets.set(userId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  // ---- scheduled tasks -----------------------------------------------------

  protected override async onTask(name: string): Promise<void> {
    const state = this.state();
    if (!state) return;
    const now = Date.now();
    if (name === 'start' && state.phase === 'lobby') {
      await this.apply(state, 'start', undefined, null);
    } else if (name === 'end' && state.phase === 'running' && state.endsAt !== null) {
      // A paused and resumed timer moved its end: an alarm armed for the old end waits for the new one.
      if (now >= state.endsAt) await this.finish(state, now);
      else await this.schedule('end', state.endsAt);
    } else if (name === 'sync' && state.phase === 'ended' && state.unsynced) {
      await this.syncEnd(state);
    } else if (name === 'host-absent' && (state.phase === 'lobby' || state.phase === 'running')) {
      await this.replaceAbsentHost(state);
    }
  }

  /** The host has had no socket for 5 minutes: whoever has been here longest (and still is) takes over. */
  private async replaceAbsentHost(state: TimerState): Promise<void> {
    if (this.socketsOf(state.hostId).length > 0) return;
    const connected = new Set(this.members().map((member) => member.userId));
    const candidates = this.sql
      .exec<{ user_id: string; name: string }>('SELECT user_id, name FROM attendance ORDER BY first_seen, user_id')
      .toArray()
      .filter((row) => connected.has(row.user_id) && row.user_id !== state.hostId);
    const next = candidates[0];
    if (!next) return;
    await this.changeHost(state, { userId: next.user_id, name: next.name });
  }

  protected async stillAllowed(identity: Identity): Promise<boolean> {
    const state = this.state();
    if (!state || state.phase === 'ended') return false;
    const db = createDb(this.env.DB);
    const [row] = await db
      .select({ userId: coworkingParticipants.userId })
      .from(coworkingParticipants)
      .where(
        and(
          eq(coworkingParticipants.sessionId, state.id),
          eq(coworkingParticipants.userId, identity.userId),
          isNull(coworkingParticipants.removedAt),
        ),
      )
      .limit(1);
    return row !== undefined;
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
