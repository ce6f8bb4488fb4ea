/**
 * The baseline of the `rooms` benchmark: one Durable Object per room on the
 * hibernation API that relays every frame to every socket, and nothing else.
 * No ticket, auth, Origin check, validation, rate limit, storage or presence.
 *
 *   GET /ws?room=<name>  (websocket upgrade) joins room <name>
 *   GET /                200 "ok" (readiness)
 *
 * To be driven by the same client as the app's rooms (bench/lib/rooms-load.mjs),
 * it speaks the smallest subset of the app's protocol (SPEC §4): `welcome { seq }`
 * on connect; for `{ type: 'send', clientId, text }`, `ack { clientId, seq }` to
 * the sender and `message { seq, clientId, text }` to every socket, the sender
 * included. `seq` is an in-memory counter: what the app stores durably first,
 * this one only counts (it restarts at 0 if the object is evicted, which an
 * active room under load is not).
 *
 * Typed without @cloudflare/workers-types on purpose, like bench/bare-worker:
 * bench/ is checked with the node tooling config, so the few runtime APIs it
 * uses are declared here.
 */
interface HibernatableSocket {
  send(message: string): void;
  close(code?: number, reason?: string): void;
}

interface RoomState {
  acceptWebSocket(ws: HibernatableSocket): void;
  getWebSockets(): HibernatableSocket[];
}

interface DurableObjectStub {
  fetch(request: Request): Promise<Response>;
}

interface BareRoomsEnv {
  ROOMS: { idFromName(name: string): unknown; get(id: unknown): DurableObjectStub };
}

declare const WebSocketPair: new () => { 0: HibernatableSocket; 1: HibernatableSocket };

export class BareRoom {
  private seq = 0;

  constructor(
    private readonly ctx: RoomState,
    _env: unknown,
  ) {}

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a websocket upgrade', { status: 426 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: 'welcome', seq: this.seq }));
    // `webSocket` is a workerd extension of ResponseInit.
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  webSocketMessage(ws: HibernatableSocket, message: string | ArrayBuffer): void {
    if (typeof message !== 'string') return;
    let frame: { type?: unknown; clientId?: unknown; text?: unknown };
    try {
      frame = JSON.parse(message);
    } catch {
      return;
    }
    if (frame.type !== 'send') return;
    const seq = ++this.seq;
    ws.send(JSON.stringify({ type: 'ack', clientId: frame.clientId, seq }));
    const text = JSON.stringify({ type: 'message', seq, clientId: frame.clientId, text: frame.text });
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(text);
      } catch {
        // Closing meanwhile.
      }
    }
  }

  webSocketClose(ws: HibernatableSocket, code: number, reason: string): void {
    // Answer the close frame, or the client sees 1006 instead of its own code.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }
}

export default {
  async fetch(request: Request, env: BareRoomsEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/ws') return new Response('ok');
    const room = url.searchParams.get('room') ?? 'bench';
    return env.ROOMS.get(env.ROOMS.idFromName(room)).fetch(request);
  },
};
