import { z } from 'zod';

/** Longest message text, in characters. */
export const MAX_TEXT = 4000;
/** Largest frame accepted; a bigger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
} as const;

const Id = z.string().min(1).max(64);
const Text = z.string().trim().min(1).max(MAX_TEXT);

/**
 * Frames a client may send. Objects are not strict: a client that also sends
 * `author` or `sentAt` is not refused, but the server never reads them; it
 * stamps author and time itself.
 */
export const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('send'), clientId: Id, text: Text }),
  z.object({ type: z.literal('edit'), messageId: Id, text: Text }),
  z.object({ type: z.literal('delete'), messageId: Id }),
  z.object({ type: z.literal('typing') }),
  z.object({ type: z.literal('stop-typing') }),
  z.object({ type: z.literal('leave') }),
  z.object({ type: z.literal('react'), emoji: z.string().min(1).max(16) }),
  /** Coworking sessions: the host's timer controls, and a celebration (confetti for everyone). */
  z.object({
    type: z.literal('control'),
    action: z.enum(['start', 'pause', 'resume', 'extend', 'end', 'celebrate']),
    minutes: z.number().int().min(1).max(480).optional(),
  }),
]);

export type ClientFrame = z.infer<typeof ClientFrame>;

export interface Member {
  userId: string;
  name: string;
  /** Open sockets (tabs, devices) of this user in the room. */
  connections: number;
}

export interface MessageView {
  id: string;
  seq: number;
  clientId: string;
  author: { id: string; name: string };
  text: string;
  sentAt: string;
  editedAt: string | null;
}

/** One row of a room's member list, as `GET /api/rooms/:id/members` gives it. */
export interface RoomMemberEntry {
  userId: string;
  name: string;
  role: 'owner' | 'member';
  joinedAt: string;
}

/**
 * Rooms: the member list changed (someone was added or joined, left or was
 * removed, or the room changed hands). A list shown beside the chat applies
 * the change in place; one that may have missed some (after a reconnect)
 * reads the list again.
 */
export type MembersFrame =
  | { type: 'members'; change: 'added'; member: RoomMemberEntry }
  | { type: 'members'; change: 'removed'; userId: string }
  | { type: 'members'; change: 'owner'; ownerId: string; previousOwnerId: string };

export type TimerPhase = 'lobby' | 'running' | 'paused' | 'ended';

/**
 * A coworking session's timer, as the server owns it. Clients count down from
 * `endsAt` with the offset between their clock and `now`; `remainingMs` is
 * what was left at `now` (the whole duration in the lobby, frozen while
 * paused). `version` rises with every change, so an older frame is ignored.
 */
export interface TimerFrame {
  type: 'timer';
  phase: TimerPhase;
  startedAt: string | null;
  endsAt: string | null;
  remainingMs: number;
  durationMs: number;
  now: string;
  version: number;
}

export type ServerFrame =
  | {
      type: 'welcome';
      you: { userId: string; name: string; connectionId: string };
      members: Member[];
      history: MessageView[];
      /** True when more was missed than `history` holds: page the rest with the REST history. */
      truncated: boolean;
      seq: number;
      now: string;
      /** Coworking sessions: the timer as it stands, and who hosts. */
      timer?: TimerFrame;
      host?: { userId: string; name: string | null };
    }
  | ({ type: 'message' } & MessageView)
  | { type: 'ack'; clientId: string; id: string; seq: number }
  | { type: 'edited'; id: string; seq: number; text: string; editedAt: string }
  | { type: 'deleted'; id: string; seq: number }
  | { type: 'typing'; userId: string; name: string; expiresAt: string }
  | { type: 'stop-typing'; userId: string }
  /** One member's new state; `connections: 0` means they left. The full list comes in `welcome`. */
  | { type: 'presence'; member: Member }
  | MembersFrame
  | TimerFrame
  | { type: 'reaction'; userId: string; emoji: string }
  | { type: 'confetti'; by: string | null }
  | { type: 'host'; userId: string; name: string }
  | { type: 'error'; code: string; message: string };
