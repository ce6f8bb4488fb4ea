import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { call, ORIGIN, type TestUser } from './helpers';

export interface Frame {
  type: string;
  [key: string]: unknown;
}

/** A websocket client for tests: queues every frame and can wait for one of a kind. */
export class SocketClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { type: string; resolve: (frame: Frame) => void; from: number }[] = [];

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }));
    });
    ws.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      this.frames.push(frame);
      for (const waiter of [...this.waiters]) {
        if (waiter.type === frame.type) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame of `type` not yet taken (frames already received count). */
  next<T extends Frame = Frame>(type: string, timeoutMs = 5000): Promise<T> {
    const taken = (this as unknown as { taken?: Set<Frame> }).taken ?? new Set<Frame>();
    (this as unknown as { taken: Set<Frame> }).taken = taken;
    const ready = this.frames.find((frame) => frame.type === type && !taken.has(frame));
    if (ready) {
      taken.add(ready);
      return Promise.resolve(ready as T);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        from: this.frames.length,
        resolve: (frame) => {
          clearTimeout(timer);
          taken.add(frame);
          resolve(frame as T);
        },
      });
    });
  }

  of(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type);
  }

  close(code = 1000): void {
    try {
      this.ws.close(code);
    } catch {}
  }
}

export async function createRoom(user: TestUser, visibility: 'public' | 'private' = 'public', name = 'Lounge') {
  const res = await call('/api/rooms', { body: { name, visibility }, token: user.accessToken });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; ownerId: string };
}

export async function ticketFor(user: TestUser, roomId: string): Promise<{ ticket: string; url: string }> {
  const res = await call(`/api/rooms/${roomId}/ticket`, { method: 'POST', token: user.accessToken });
  expect(res.status).toBe(200);
  return (await res.json()) as { ticket: string; url: string };
}

/** Opens a socket the way a browser on our origin would; returns the raw response when refused. */
export async function openSocket(url: string, headers: Record<string, string> = { origin: ORIGIN }) {
  const httpUrl = url.replace(/^ws/, 'http');
  const res = await exports.default.fetch(httpUrl, { headers: { upgrade: 'websocket', ...headers } });
  if (!res.webSocket) return { res, client: null };
  res.webSocket.accept();
  return { res, client: new SocketClient(res.webSocket) };
}

/** Gets a ticket and connects; waits for the welcome. */
export async function connect(user: TestUser, roomId: string, since?: number) {
  const { url } = await ticketFor(user, roomId);
  const { client, res } = await openSocket(since === undefined ? url : `${url}&since=${since}`);
  expect(res.status).toBe(101);
  const socket = client as SocketClient;
  const welcome = await socket.next('welcome');
  return { socket, welcome };
}

/** The chat room object of `roomId`. */
export const roomOf = (roomId: string) => env.ROOMS.get(env.ROOMS.idFromName(roomId));

/** Makes every scheduled task of a room due and runs its alarm (its archive among them), as time passing would. */
export async function runTasksNow(roomId: string): Promise<void> {
  await runInDurableObject(roomOf(roomId), async (_instance, state) => {
    state.storage.sql.exec('UPDATE room_tasks SET at = 0');
    // The test runner removes an alarm it ran, even one the handler set again, so arm one here.
    await state.storage.setAlarm(Date.now() + 1);
  });
  await runDurableObjectAlarm(roomOf(roomId));
}
