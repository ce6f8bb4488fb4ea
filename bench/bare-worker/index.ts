/**
 * The benchmark baseline: answers every request with a fixed body and content
 * type, with no framework, routing or middleware. The runner starts it with the
 * exact body and type the app's GET /api/meta answered with, so comparing the two
 * isolates what Hono and the app's middleware stack cost per request.
 *
 * Typed without @cloudflare/workers-types on purpose: bench/ is checked with the
 * node tooling config (tsconfig.node.json), whose Request and Response are the
 * same standard Fetch API types.
 */
interface BareEnv {
  BODY: string;
  CONTENT_TYPE: string;
  /** A local D1 with no tables: `?d1` makes one trivial query first, the platform's share of a signed-in read. */
  DB?: { prepare(sql: string): { bind(...values: unknown[]): { first(): Promise<unknown> } } };
}

export default {
  async fetch(request: Request, env: BareEnv): Promise<Response> {
    if (env.DB && new URL(request.url).searchParams.has('d1')) await env.DB.prepare('SELECT ?1 AS one').bind(1).first();
    return new Response(env.BODY, { headers: { 'content-type': env.CONTENT_TYPE } });
  },
};
