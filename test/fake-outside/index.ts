/**
 * The outside services Hearth's operations code talks to, faked for the
 * tests in one auxiliary worker (see vitest.config.ts, where it is the last
 * link of the outbound chain):
 *
 * - Twilio's Messages API at `https://api.twilio.com`: checks HTTP basic auth
 *   and the form, answers 201 like Twilio. A `To` ending in `9503` always
 *   gets a 503, one ending in `9501` gets a 503 on its first attempt only, and
 *   one ending in `9400` gets Twilio's 400 "invalid To number" (21211).
 * - A Sentry ingest endpoint at `https://sentry.test` (DSN
 *   `https://public@sentry.test/42`): stores each envelope as received.
 * - Alert webhooks at `https://hooks.test`: stores each JSON body; `/down`
 *   answers 500.
 *
 * Tests read what arrived at `GET https://outside.test/recorded?host=<host>`.
 * Any other host passes through. Only the default export: workerd treats
 * every named export of a worker module as an entrypoint.
 */

interface FakeEnv {
  TWILIO_ACCOUNT_SID: string;
  TWILIO_AUTH_TOKEN: string;
}

interface Recorded {
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

// Test infrastructure, one isolate: module state is fine here, unlike in Hearth itself.
const recorded: Recorded[] = [];
const attemptsByNumber = new Map<string, number>();

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function record(request: Request, url: URL): Promise<Recorded> {
  const entry: Recorded = {
    host: url.host,
    method: request.method,
    path: url.pathname + url.search,
    headers: Object.fromEntries(request.headers),
    // Decoded by hand: workerd warns when .text() reads a form body.
    body: new TextDecoder().decode(await request.arrayBuffer()),
    at: Date.now(),
  };
  recorded.push(entry);
  return entry;
}

function twilio(env: FakeEnv, url: URL, entry: Recorded): Response {
  const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
  if (entry.method !== 'POST' || !match) return json({ code: 20404, message: 'Not found', status: 404 }, 404);
  if (entry.headers.authorization !== `Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`) {
    return json({ code: 20003, message: 'Authenticate', status: 401 }, 401);
  }
  if (match[1] !== env.TWILIO_ACCOUNT_SID) return json({ code: 20003, message: 'Authenticate', status: 401 }, 401);
  if (entry.headers['content-type'] !== 'application/x-www-form-urlencoded') {
    return json({ code: 20001, message: 'Send a form', status: 400 }, 400);
  }
  const form = new URLSearchParams(entry.body);
  const to = form.get('To') ?? '';
  if (!to || !form.get('Body') || !(form.get('From') || form.get('MessagingServiceSid'))) {
    return json({ code: 21604, message: "A 'To', 'Body' and 'From' are required", status: 400 }, 400);
  }
  const attempt = (attemptsByNumber.get(to) ?? 0) + 1;
  attemptsByNumber.set(to, attempt);
  if (to.endsWith('9503') || (to.endsWith('9501') && attempt === 1)) {
    return json({ code: 20500, message: 'Internal Server Error', status: 503 }, 503);
  }
  if (to.endsWith('9400')) {
    return json({ code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 }, 400);
  }
  return json(
    { sid: `SM${crypto.randomUUID().replaceAll('-', '')}`, status: 'queued', to, body: form.get('Body') },
    201,
  );
}

export default {
  async fetch(request: Request, env: FakeEnv): Promise<Response> {
    const url = new URL(request.url);
    switch (url.host) {
      case 'outside.test': {
        const host = url.searchParams.get('host');
        return json(recorded.filter((entry) => !host || entry.host === host));
      }
      case 'api.twilio.com':
        return twilio(env, url, await record(request, url));
      case 'sentry.test':
        await record(request, url);
        return json({ id: crypto.randomUUID().replaceAll('-', '') });
      case 'hooks.test': {
        await record(request, url);
        return url.pathname === '/down' ? new Response('down', { status: 500 }) : new Response('ok');
      }
      default:
        return fetch(request);
    }
  },
};
