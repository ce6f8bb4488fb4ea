import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../../env';

/**
 * Where data points go: the `ANALYTICS` Workers Analytics Engine dataset.
 * Only `writeDataPoint` is used, which is fire-and-forget (the runtime sends
 * it after the response; nothing to await, nothing to fail the request).
 * Locally, Miniflare's dataset accepts and drops writes, so tests bind a
 * recorder with this one method in its place.
 */
export type MetricsSink = Pick<AnalyticsEngineDataset, 'writeDataPoint'>;

/**
 * The column layout every point shares, so one SQL query can read both kinds
 * (docs/operations.md lists it):
 *
 * | column  | request                 | realtime                                |
 * | ------- | ----------------------- | --------------------------------------- |
 * | index1  | `GET /api/rooms/:id`    | `ws chat` / `ws coworking`              |
 * | blob1   | `request`               | `realtime`                              |
 * | blob2   | method                  | event: opened, closed, message, refused |
 * | blob3   | route template          | room kind: chat, coworking              |
 * | blob4   | status class `2xx`…     | detail: frame type or refusal reason    |
 * | blob5   | `user` or `anonymous`   | `user`                                  |
 * | blob6   | colo (`cf.colo`) or ''  | ''                                      |
 * | double1 | 1                       | 1                                       |
 * | double2 | duration, ms            | socket lifetime in ms (closed), else 0  |
 * | double3 | status                  | close code (closed, refused), else 0    |
 */
export interface RequestPoint {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  signedIn: boolean;
  colo: string;
}

export type RealtimeEvent = 'opened' | 'closed' | 'message' | 'refused';
export type RoomKind = 'chat' | 'coworking';

function write(sink: MetricsSink | undefined, point: AnalyticsEngineDataPoint): void {
  if (!sink) return;
  try {
    sink.writeDataPoint(point);
  } catch {
    // A metrics outage must never become the request's failure.
  }
}

export function writeRequestPoint(sink: MetricsSink | undefined, point: RequestPoint): void {
  const route = `${point.method} ${point.route}`;
  write(sink, {
    indexes: [route],
    blobs: [
      'request',
      point.method,
      point.route,
      `${Math.floor(point.status / 100)}xx`,
      point.signedIn ? 'user' : 'anonymous',
      point.colo,
    ],
    doubles: [1, point.durationMs, point.status],
  });
}

export function writeRealtimePoint(
  sink: MetricsSink | undefined,
  room: RoomKind,
  event: RealtimeEvent,
  detail = '',
  values: { durationMs?: number; code?: number } = {},
): void {
  write(sink, {
    indexes: [`ws ${room}`],
    blobs: ['realtime', event, room, detail, 'user', ''],
    doubles: [1, values.durationMs ?? 0, values.code ?? 0],
  });
}

/** Paths no route claimed are one bucket: a raw path would put ids (and scanners' junk) into the index. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route template that answered: the last matched route registered for a
 * method (features use `.openapi()`/`.get()`; middleware is registered for
 * `ALL`). Hono stores it as written, `/api/rooms/:id`, never the request's path,
 * so no id or query string reaches a data point.
 */
export function routeTemplate(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== 'ALL') return route.path;
  }
  return UNMATCHED_ROUTE;
}

/** Where the request was served, when Cloudflare says (`request.cf.colo`; absent locally). */
export function coloOf(request: Request): string {
  const colo = (request as { cf?: { colo?: unknown } }).cf?.colo;
  return typeof colo === 'string' ? colo : '';
}

/**
 * One Analytics Engine data point per request, written after the response is
 * ready (errors included: the error handler has shaped the response by then).
 *
 * @example
 * app.use(requestMetrics());
 */
export function requestMetrics(): MiddlewareHandler<AppEnv> {
  return async function requestMetrics(c, next) {
    const started = performance.now();
    await next();
    writeRequestPoint(c.env.ANALYTICS, {
      method: c.req.method,
      route: routeTemplate(c),
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
      signedIn: c.var.userId !== undefined,
      colo: coloOf(c.req.raw),
    });
  };
}
