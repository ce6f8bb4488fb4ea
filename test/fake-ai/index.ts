/**
 * The fake model provider as an auxiliary worker (vitest.config.ts routes the outbound fetch of
 * the worker under test here). workerd takes every named export of a worker module for an
 * entrypoint, so this module exports its handler and nothing else; the rest is in ./fake-ai.
 */
import { FAKE_AI_ORIGIN, handleFakeAi } from './fake-ai';

export default {
  /** `NEXT`, when bound, is the next fake in the chain of outbound services (vitest.config.ts). */
  async fetch(request: Request, env: { NEXT?: Fetcher }): Promise<Response> {
    if (new URL(request.url).origin !== FAKE_AI_ORIGIN) return env.NEXT ? env.NEXT.fetch(request) : fetch(request);
    return (await handleFakeAi(request)) ?? new Response('not found', { status: 404 });
  },
};
