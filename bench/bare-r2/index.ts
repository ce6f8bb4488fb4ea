/**
 * The baselines of the `files` benchmark: R2 puts and gets with no framework,
 * auth, database or hashing around them.
 *
 *   PUT /r2/<key>              streams the request body into the bucket in one put (needs
 *                              Content-Length: R2 takes a stream only when its length is
 *                              known) → 201 { key, size }
 *   PUT /r2/<key>?part=<bytes> the same body as a multipart upload, in parts of that many
 *                              bytes (the app's shape: it uploads in 10 MiB parts because its
 *                              uploads may have no length) → 201 { key, size, parts }
 *   GET /r2/<key>              streams the object back with its Content-Length
 *   PUT /sink                  reads the body to the end and keeps nothing → 200 { size }
 *   GET /                      200 "ok" (readiness)
 *
 * Typed without @cloudflare/workers-types on purpose, like bench/bare-worker: bench/
 * is checked with the node tooling config, so the one binding is declared here.
 */
interface UploadedPart {
  partNumber: number;
  etag: string;
}

interface MultipartUpload {
  uploadPart(partNumber: number, value: Uint8Array): Promise<UploadedPart>;
  complete(parts: UploadedPart[]): Promise<{ size: number }>;
  abort(): Promise<void>;
}

interface BareR2Env {
  BUCKET: {
    put(key: string, value: ReadableStream<Uint8Array> | null): Promise<{ size: number } | null>;
    get(key: string): Promise<{ size: number; body: ReadableStream<Uint8Array> } | null>;
    createMultipartUpload(key: string): Promise<MultipartUpload>;
  };
}

const json = (body: unknown, status: number) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** Cuts the stream into parts of `partBytes` (the last shorter) and uploads them one after another. */
async function putMultipart(env: BareR2Env, key: string, body: ReadableStream<Uint8Array>, partBytes: number) {
  const upload = await env.BUCKET.createMultipartUpload(key);
  const parts: UploadedPart[] = [];
  const reader = body.getReader();
  let part = new Uint8Array(partBytes);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const take = Math.min(partBytes - filled, value.length - offset);
        part.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === partBytes) {
          parts.push(await upload.uploadPart(parts.length + 1, part));
          part = new Uint8Array(partBytes);
          filled = 0;
        }
      }
    }
    if (filled > 0 || parts.length === 0)
      parts.push(await upload.uploadPart(parts.length + 1, part.subarray(0, filled)));
    const object = await upload.complete(parts);
    return { size: object.size, parts: parts.length };
  } catch (error) {
    await upload.abort().catch(() => {});
    throw error;
  }
}

export default {
  async fetch(request: Request, env: BareR2Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/sink' && request.method === 'PUT') {
      let size = 0;
      if (request.body) for await (const chunk of request.body) size += chunk.byteLength;
      return json({ size }, 200);
    }
    if (!url.pathname.startsWith('/r2/')) return new Response('ok');
    const key = decodeURIComponent(url.pathname.slice('/r2/'.length));
    if (request.method === 'PUT') {
      if (!request.body) return json({ error: 'no body' }, 400);
      const partBytes = Number(url.searchParams.get('part') ?? 0);
      if (partBytes > 0) return json({ key, ...(await putMultipart(env, key, request.body, partBytes)) }, 201);
      if (!request.headers.get('content-length')) return json({ error: 'Content-Length required' }, 411);
      const object = await env.BUCKET.put(key, request.body);
      return json({ key, size: object?.size ?? null }, 201);
    }
    if (request.method === 'GET') {
      const object = await env.BUCKET.get(key);
      if (!object) return json({ error: 'not found' }, 404);
      return new Response(object.body, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(object.size) },
      });
    }
    return json({ error: 'method not allowed' }, 405);
  },
};
