/**
 * The baseline of the `backups` benchmark: R2 objects copied to other keys of the same
 * bucket, one get and one put each, with no archive, hashing, database or queue around it.
 *
 *   PUT  /r2/<key>                         stores the body (needs Content-Length) → 201 { key, size }
 *   POST /copy?from=<prefix>&to=<prefix>&limit=<n>[&cursor=<c>]
 *                                          copies up to n objects under `from` to the same names
 *                                          under `to`, one after another, each streamed from the
 *                                          get straight into the put → 200 { copied, bytes, cursor }
 *                                          (cursor null when the listing is done)
 *   GET  /                                 200 "ok" (readiness)
 *
 * The runner calls /copy in batches (as the backup runs in steps across queue messages) so no
 * request holds hundreds of subrequests. Typed without @cloudflare/workers-types on purpose,
 * like bench/bare-r2: bench/ is checked with the node tooling config.
 */
interface StoredObject {
  key: string;
  size: number;
}

interface BareCopyEnv {
  BUCKET: {
    put(key: string, value: ReadableStream<Uint8Array> | null): Promise<StoredObject | null>;
    get(key: string): Promise<(StoredObject & { body: ReadableStream<Uint8Array> }) | null>;
    list(options: {
      prefix: string;
      cursor?: string;
      limit: number;
    }): Promise<{ objects: StoredObject[]; truncated: boolean; cursor?: string }>;
  };
}

const json = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function copy(env: BareCopyEnv, url: URL): Promise<Response> {
  const from = url.searchParams.get('from') ?? '';
  const to = url.searchParams.get('to') ?? '';
  if (!from || !to || from === to) return json({ error: 'from and to prefixes required, and different' }, 400);
  const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 50)));
  const listed = await env.BUCKET.list({ prefix: from, cursor: url.searchParams.get('cursor') ?? undefined, limit });
  let bytes = 0;
  for (const { key } of listed.objects) {
    const object = await env.BUCKET.get(key);
    if (!object) continue; // deleted since the listing
    // An R2 body has a known length, so put takes it as a stream: the bytes are never held whole.
    const stored = await env.BUCKET.put(`${to}${key.slice(from.length)}`, object.body);
    bytes += stored?.size ?? 0;
  }
  return json({ copied: listed.objects.length, bytes, cursor: listed.truncated ? (listed.cursor ?? null) : null }, 200);
}

export default {
  async fetch(request: Request, env: BareCopyEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/copy' && request.method === 'POST') return copy(env, url);
    if (!url.pathname.startsWith('/r2/')) return new Response('ok');
    if (request.method !== 'PUT') return json({ error: 'method not allowed' }, 405);
    if (!request.body || !request.headers.get('content-length')) return json({ error: 'Content-Length required' }, 411);
    const key = decodeURIComponent(url.pathname.slice('/r2/'.length));
    const object = await env.BUCKET.put(key, request.body);
    return json({ key, size: object?.size ?? null }, 201);
  },
};
