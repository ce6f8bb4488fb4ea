import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleFakeAi } from './fake-ai.js';

/** The fake model provider on a local port, for the browser test and the benchmark. */
export interface FakeAiServer {
  /** `http://127.0.0.1:<port>`; `AI_API_URL` is this plus `/v1`. */
  origin: string;
  close(): Promise<void>;
}

async function serve(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const caller = new AbortController();
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([name, value]) =>
      value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => [name, v] as [string, string]),
    ),
    body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    signal: caller.signal,
  });
  const response = (await handleFakeAi(request)) ?? new Response('not found', { status: 404 });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  const reader = response.body?.getReader();
  if (!reader) {
    res.end();
    return;
  }
  // The caller hanging up is the cancellation the fake records (as in its worker form).
  res.on('close', () => {
    if (res.writableFinished) return;
    caller.abort();
    void reader.cancel().catch(() => undefined);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch {
    // The fake broke the stream on purpose (#fail): drop the connection as a crashed server would.
    res.destroy();
  }
}

export async function startFakeAiServer(port = 0): Promise<FakeAiServer> {
  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.destroy());
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
