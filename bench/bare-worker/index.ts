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
}

export default {
  fetch(_request: Request, env: BareEnv): Response {
    return new Response(env.BODY, { headers: { 'content-type': env.CONTENT_TYPE } });
  },
};
