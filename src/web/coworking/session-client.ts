import type { TimerFrame } from '../../realtime/protocol';
import { ChatClient, type ChatSource, type ExtraFrame } from '../chat/client';
import { coworkingApi, type SessionPhase } from './api';

/** Reactions anyone may send (src/realtime/coworking-room.ts REACTIONS); the server refuses others. */
export const REACTIONS = ['👏', '🔥', '💪', '🎉', '☕', '❤️', '👍', '😂'] as const;
/** How long a reaction floats up the screen; the CSS animation lasts as long. */
export const FLOAT_MS = 2400;
/** At most this many reactions float at once: a burst from many people stays readable. */
const MAX_FLOATING = 24;

/**
 * The server's timer as this browser holds it. Instants are on the server's
 * clock; `offset` (server minus this browser, measured from the frame's `now`)
 * turns them into local time, so neither a wrong local clock nor a throttled
 * background tab can make the countdown drift: it is recomputed from `endsAt`
 * at every tick, never counted down.
 */
export interface TimerView {
  phase: SessionPhase;
  /** Server epoch ms when the timer reaches zero if nothing changes; null in the lobby. */
  endsAt: number | null;
  /** What was left at the frame's `now`: the full duration in the lobby, frozen while paused. */
  remainingMs: number;
  durationMs: number;
  version: number;
  offset: number;
}

export interface FloatingReaction {
  id: number;
  emoji: string;
  userId: string;
  name: string;
  /** Where it rises, in % of the width, so a burst spreads out. */
  left: number;
}

export interface SessionLive {
  timer: TimerView | null;
  host: { userId: string; name: string | null } | null;
  reactions: FloatingReaction[];
  /** Confetti bursts seen so far (the end, each celebration); the screen fires one per increase. */
  confetti: number;
  /** The host removed this person: the socket closed for good and they cannot rejoin. */
  removed: boolean;
}

/** Milliseconds left on the timer at `clientNow` (this browser's clock). */
export function remainingOf(timer: TimerView, clientNow = Date.now()): number {
  if (timer.phase === 'running' && timer.endsAt !== null) return Math.max(0, timer.endsAt - (clientNow + timer.offset));
  if (timer.phase === 'ended') return 0;
  return timer.remainingMs;
}

/** The close the server sends someone the host removed. */
const isRemoval = (code: number, reason: string) => code === 1008 && reason.startsWith('You were removed');

/** The server's closes that end a session socket for good. */
function finalClose(code: number, reason: string): string | null {
  if (code === 1000 && reason === 'Session ended') return 'The session has ended.';
  if (code === 1000 && reason === 'Left the session') return 'You left this session.';
  if (isRemoval(code, reason)) return 'The host removed you from this session.';
  return null;
}

/**
 * One coworking session's live side: the chat connection (the same client
 * chat rooms use, with this session's ticket and no REST history: the chat is
 * ephemeral), plus the timer, the host, reactions and confetti it carries.
 */
export class SessionClient {
  readonly chat: ChatClient;
  live: SessionLive = { timer: null, host: null, reactions: [], confetti: 0, removed: false };
  private readonly listeners = new Set<() => void>();
  private reactionId = 0;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(readonly sessionId: string) {
    const source: ChatSource = {
      ticket: () => coworkingApi.ticket(sessionId),
      noun: 'session',
      finalClose: (code, reason) => {
        if (isRemoval(code, reason)) this.update({ removed: true });
        return finalClose(code, reason);
      },
    };
    this.chat = new ChatClient(sessionId, source);
    this.unsubscribe = this.chat.onFrame((frame) => this.receive(frame));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  start(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
    this.chat.start();
  }

  stop(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.unsubscribe();
    this.chat.stop();
    this.listeners.clear();
  }

  /**
   * A timer from the socket, or from a host control's REST answer. One older
   * than the timer held is ignored. A REST answer counts only when it is
   * newer: its `now` was stamped before the change was copied to D1, so the
   * offset measured from it is off by that write, while the broadcast of the
   * same version left at once.
   */
  applyTimer(frame: TimerFrame, from: 'socket' | 'rest' = 'socket'): void {
    const held = this.live.timer;
    if (held && (frame.version < held.version || (from === 'rest' && frame.version === held.version))) return;
    this.update({
      timer: {
        phase: frame.phase,
        endsAt: frame.endsAt === null ? null : Date.parse(frame.endsAt),
        remainingMs: frame.remainingMs,
        durationMs: frame.durationMs,
        version: frame.version,
        offset: Date.parse(frame.now) - Date.now(),
      },
    });
  }

  /** Sends a reaction to everyone (the server limits how fast). False when it could not go now. */
  react(emoji: string): boolean {
    return this.chat.sendFrame({ type: 'react', emoji });
  }

  /**
   * Back from a hidden tab: its timers were throttled and its socket may be
   * gone, and the clock may have jumped (sleep, a time sync). A new socket
   * brings a fresh `welcome` with the timer and the server's `now`, so the
   * offset is measured again, and whatever was missed (`since=`).
   */
  private readonly onVisibility = () => {
    if (document.visibilityState !== 'visible' || this.stopped) return;
    if (this.chat.state.status.kind !== 'ended') this.chat.reconnect();
  };

  private receive(frame: ExtraFrame): void {
    switch (frame.type) {
      case 'welcome':
        if (frame.timer) this.applyTimer(frame.timer);
        if (frame.host) this.update({ host: frame.host });
        return;
      case 'timer':
        this.applyTimer(frame);
        return;
      case 'host':
        this.update({ host: { userId: frame.userId, name: frame.name } });
        return;
      case 'confetti':
        this.update({ confetti: this.live.confetti + 1 });
        return;
      case 'reaction': {
        const name = this.chat.state.members.find((member) => member.userId === frame.userId)?.name ?? 'Someone';
        const reaction: FloatingReaction = {
          id: ++this.reactionId,
          emoji: frame.emoji,
          userId: frame.userId,
          name,
          left: 10 + Math.random() * 80,
        };
        this.update({ reactions: [...this.live.reactions, reaction].slice(-MAX_FLOATING) });
        setTimeout(() => {
          if (!this.stopped) this.update({ reactions: this.live.reactions.filter((r) => r.id !== reaction.id) });
        }, FLOAT_MS);
        return;
      }
    }
  }

  private update(patch: Partial<SessionLive>): void {
    if (this.stopped) return;
    this.live = { ...this.live, ...patch };
    for (const listener of this.listeners) listener();
  }
}
