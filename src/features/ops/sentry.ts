import { CloudflareClient, createTransport, type Event, Scope } from '@sentry/cloudflare';
import { createStackParser } from '@sentry/core';
import { nodeStackLineParser } from '@sentry/core/server';
import { version } from '../../../package.json';
import type { ErrorSource } from '../../db/schema';
import { safeHeaders, scrubText, scrubUrl } from './scrub';

/** Where and for whom an error happened; every field is optional but the source. */
export interface ErrorContext {
  source: ErrorSource;
  /** Route template, job type, or room kind and hook. */
  route?: string | null;
  requestId?: string | null;
  userId?: string | null;
  /** The request, when there is one: only its method, path and safe headers are sent. */
  request?: Request;
}

const stackParser = createStackParser(nodeStackLineParser());

/** The last line of defence: whatever an SDK step added, messages and values are scrubbed again. */
export function scrubEvent<E extends Event>(event: E): E {
  if (event.message) event.message = scrubText(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = scrubText(exception.value);
  }
  if (event.request) {
    const { method, url, headers } = event.request;
    event.request = {
      method,
      url: url ? scrubUrl(url) : undefined,
      headers: headers ? safeHeaders(new Headers(headers as Record<string, string>)) : undefined,
    };
  }
  delete event.breadcrumbs;
  delete event.extra;
  return event;
}

/**
 * Sends one error to Sentry with the official SDK's client, built for this
 * one report. Not `withSentry()`: that wraps every request (a client, a scope
 * and a span per request, a proxy over `env`, the request body read for the
 * report) to catch what Hearth's handlers already catch themselves, and this
 * codebase counts the CPU of a cheap request. A client per error costs
 * nothing until something fails.
 *
 * No integrations: nothing is collected implicitly (no request body, no
 * console, no breadcrumbs); the event holds the exception, the route, the
 * request id, the user id, and the request's method, path and safe headers.
 */
export async function sendToSentry(
  dsn: string,
  environment: string,
  error: unknown,
  context: ErrorContext,
): Promise<void> {
  const client = new CloudflareClient({
    dsn,
    environment,
    release: `hearth@${version}`,
    integrations: [],
    dataCollection: { userInfo: false, cookies: false, httpBodies: [], urlQueryParams: false },
    stackParser,
    transport: (options) =>
      createTransport(options, async (request) => {
        const response = await fetch(options.url, { method: 'POST', body: request.body });
        await response.body?.cancel();
        return {
          statusCode: response.status,
          headers: {
            'x-sentry-rate-limits': response.headers.get('X-Sentry-Rate-Limits'),
            'retry-after': response.headers.get('Retry-After'),
          },
        };
      }),
    beforeSend: (event) => scrubEvent(event),
  });
  client.init();
  const scope = new Scope();
  scope.setClient(client);
  scope.setTag('source', context.source);
  if (context.route) scope.setTag('route', context.route);
  if (context.requestId) scope.setTag('request_id', context.requestId);
  if (context.userId) scope.setUser({ id: context.userId });
  const { request } = context;
  if (request) {
    // Set on the event itself: the SDK's `normalizedRequest` metadata is read only by the request-data
    // integration, which is left out (it would read the body).
    scope.addEventProcessor((event) => ({
      ...event,
      request: { method: request.method, url: scrubUrl(request.url), headers: safeHeaders(request.headers) },
    }));
  }
  client.captureException(error, { mechanism: { type: `hearth.${context.source}`, handled: false } }, scope);
  await client.flush(2000);
  client.dispose();
}
