import { z } from 'zod';
import { randomToken } from '../lib/ids';
import { signToken, verifyToken } from '../lib/signed-token';

/** Tickets open one socket within a minute of being issued. */
export const TICKET_TTL_MS = 60_000;
const PURPOSE = 'hearth/socket-ticket/v1';

/** What a ticket says: who may open which socket, until when, once (the nonce is spent by the object). */
const TicketClaims = z.strictObject({
  /** The kind of realtime object: a chat room or a coworking session. */
  kind: z.enum(['room', 'coworking']),
  /** The id of the room the socket is for. */
  target: z.string().min(1).max(64),
  userId: z.string().min(1).max(64),
  sessionId: z.string().min(1).max(64),
  expiresAt: z.number().int(),
  nonce: z.string().min(16).max(64),
});
export type TicketClaims = z.infer<typeof TicketClaims>;
export type SocketKind = TicketClaims['kind'];

/**
 * A ticket the worker signs: the room it names, the user and session it was
 * issued to, an expiry and a nonce. The worker checks it before it touches
 * any Durable Object, so a forged or foreign ticket never creates one; the
 * object then spends the nonce, so a ticket opens one socket only.
 */
export function issueTicket(
  signingKeys: string,
  claims: Pick<TicketClaims, 'kind' | 'target' | 'userId' | 'sessionId'>,
  now: number,
): { ticket: string; expiresAt: number } {
  const expiresAt = now + TICKET_TTL_MS;
  return { ticket: signToken(signingKeys, PURPOSE, { ...claims, expiresAt, nonce: randomToken(16) }), expiresAt };
}

/** The claims of a genuine, unexpired ticket, or null. */
export function readTicket(signingKeys: string, ticket: string, now: number): TicketClaims | null {
  const parsed = TicketClaims.safeParse(verifyToken(signingKeys, PURPOSE, ticket));
  if (!parsed.success || parsed.data.expiresAt <= now) return null;
  return parsed.data;
}
