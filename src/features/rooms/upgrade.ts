import type { Env } from '../../env';
import { readConfig } from '../../lib/config';
import { roomObject } from './rooms.service';

const ROOM_SOCKET = /^\/api\/rooms\/([^/]+)\/ws$/;

function refuse(status: 401 | 403 | 426, message: string): Response {
  return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * The websocket upgrade, handled before the Hono app: its 101 response
 * carries the socket and must reach the client untouched by header
 * middleware. Everything is refused with plain HTTP before the upgrade:
 * a foreign Origin (cross-site websocket hijacking) is 403, a missing
 * ticket is 401 here, and a bad or spent ticket is 401 from the room.
 */
export async function handleRoomUpgrade(request: Request, env: Env): Promise<Response | null> {
  const url = new URL(request.url);
  const match = ROOM_SOCKET.exec(url.pathname);
  if (!match?.[1]) return null;
  if (request.method !== 'GET' || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return refuse(426, 'This endpoint only accepts websocket upgrades.');
  }
  const origin = request.headers.get('origin');
  if (origin !== null && !readConfig(env).allowedOrigins.includes(origin)) {
    return refuse(403, 'This origin may not open room sockets.');
  }
  if (!url.searchParams.get('ticket')) return refuse(401, 'A ticket is required: POST /api/rooms/:id/ticket.');
  return roomObject(env, decodeURIComponent(match[1])).fetch(request);
}
