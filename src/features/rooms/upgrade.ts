import { createDb, type Database } from '../../db/client';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { readConfig } from '../../lib/config';
import { AppError, problemResponse } from '../../lib/errors';
import { logRequest } from '../../middleware/request-log';
import { requestIdFor, withResponseHeaders } from '../../middleware/response-headers';
import { ADMISSION_HEADER, type AdmissionTicket } from '../../realtime/room-base';
import { readTicket, type SocketKind, type TicketClaims } from '../../realtime/ticket';
import { admitToSession, coworkingObject } from '../coworking/live';
import { admitToRoom, roomObject } from './rooms.service';

/** The socket routes: a chat room's and a coworking session's, each with its ticket kind, admission and object. */
const SOCKETS: {
  pattern: RegExp;
  kind: SocketKind;
  admit: (db: Database, ticket: TicketClaims, at: Date) => Promise<Omit<AdmissionTicket, 'nonce' | 'expiresAt'>>;
  object: (env: Env, id: string) => { fetch(input: string, init: RequestInit): Promise<Response> };
  ticketRoute: string;
}[] = [
  {
    pattern: /^\/api\/rooms\/([^/]+)\/ws$/,
    kind: 'room',
    admit: admitToRoom,
    object: roomObject,
    ticketRoute: 'POST /api/rooms/:id/ticket',
  },
  {
    pattern: /^\/api\/coworking\/sessions\/([^/]+)\/ws$/,
    kind: 'coworking',
    admit: admitToSession,
    object: coworkingObject,
    ticketRoute: 'POST /api/coworking/sessions/:id/ticket',
  },
];
type SocketRoute = (typeof SOCKETS)[number];

/**
 * The websocket upgrade, handled before the Hono app: its 101 response
 * carries the socket and must reach the client untouched by header
 * middleware. Every refusal is a problem+json response with the request id
 * and security headers, like any other, and happens before a Durable Object
 * is touched: a foreign Origin (cross-site websocket hijacking) is 403, a
 * missing, forged, expired or foreign ticket is 401, an ended session 401,
 * and a user no longer in the room 403. Only then does the room object see
 * the request, and it spends the ticket's nonce so the ticket works once.
 */
export async function handleRoomUpgrade(request: Request, env: Env): Promise<Response | null> {
  // Every request passes here: anything that cannot be a socket path leaves before a URL is parsed.
  if (!request.url.includes('/ws')) return null;
  const url = new URL(request.url);
  const socket = SOCKETS.find((candidate) => candidate.pattern.test(url.pathname));
  const target = socket?.pattern.exec(url.pathname)?.[1];
  if (!socket || !target) return null;
  const started = performance.now();
  const requestId = requestIdFor(request);
  let response: Response;
  try {
    response = await upgrade(request, env, url, socket, target);
  } catch (error) {
    if (!(error instanceof AppError)) {
      console.error(JSON.stringify({ level: 'error', msg: 'socket upgrade failed', requestId, error: String(error) }));
    }
    response = problemResponse(
      error instanceof AppError ? error : new AppError('internal', 'The socket could not be opened.'),
      requestId,
    );
  }
  logRequest(readConfig(env).requestLog, {
    method: request.method,
    path: url.pathname,
    status: response.status,
    started,
    requestId,
    userId: null,
  });
  return withResponseHeaders(response, requestId);
}

async function upgrade(request: Request, env: Env, url: URL, socket: SocketRoute, rawId: string): Promise<Response> {
  if (request.method !== 'GET' || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    throw new AppError('upgrade_required', 'This endpoint only accepts websocket upgrades.');
  }
  const config = readConfig(env);
  const origin = request.headers.get('origin');
  if (origin !== null && !config.allowedOrigins.includes(origin)) {
    throw new AppError('forbidden', 'This origin may not open room sockets.');
  }
  const rawTicket = url.searchParams.get('ticket');
  if (!rawTicket) throw new AppError('unauthorized', `A ticket is required: ${socket.ticketRoute}.`);
  const at = now();
  const ticket = readTicket(config.secrets.URL_SIGNING_KEYS, rawTicket, at.getTime());
  // Ids are url-safe, so the path holds the id exactly as the ticket names it; nothing is decoded.
  const forThisRoom = ticket !== null && ticket.kind === socket.kind && encodeURIComponent(ticket.target) === rawId;
  if (!ticket || !forThisRoom) {
    throw new AppError('unauthorized', 'This ticket is not valid for this room, or it has expired.');
  }
  const admission = await socket.admit(createDb(env.DB), ticket, at);
  const since = url.searchParams.get('since');
  const forwarded = new URL('https://room.internal/connect');
  if (since !== null) forwarded.searchParams.set('since', since);
  const details: AdmissionTicket = { ...admission, nonce: ticket.nonce, expiresAt: ticket.expiresAt };
  // A fresh request: nothing the client sent reaches the object but the upgrade itself.
  const response = await socket.object(env, ticket.target).fetch(forwarded.toString(), {
    headers: { upgrade: 'websocket', [ADMISSION_HEADER]: JSON.stringify(details) },
  });
  if (response.status === 101) return response;
  throw new AppError('unauthorized', 'This ticket has already been used.');
}
