import type { z } from 'zod';
import type {
  CreateSessionSchema,
  JoinResultSchema,
  JoinSessionSchema,
  NearbySessionSchema,
  ParticipantSchema,
  ParticipationSchema,
  PassesSchema,
  SessionDetailsSchema,
  SessionSchema,
  TimerSchema,
} from '../../features/coworking/coworking.schemas';
import { ApiError, request } from '../api';
import { freshAccessToken } from '../session';
import type { Page } from '../types';

// Inferred from the routes' own schemas, like src/web/types.ts: a changed route breaks this build.

/** A coworking session, from `/api/coworking/sessions` (SPEC §3 Coworking). */
export type CoworkingSession = z.output<typeof SessionSchema>;
export type SessionPhase = CoworkingSession['phase'];
export type Participation = z.output<typeof ParticipationSchema>;
export type ParticipantMode = Participation['mode'];
export type Participant = z.output<typeof ParticipantSchema>;
/** `GET /api/coworking/sessions/:id` and `…/code/:shareCode`: the session, its host, participants, your place and the timer. */
export type SessionDetails = z.output<typeof SessionDetailsSchema>;
export type NearbySession = z.output<typeof NearbySessionSchema>;
export type Passes = z.output<typeof PassesSchema>;
export type JoinResult = z.output<typeof JoinResultSchema>;
/** What the create form sends. */
export type SessionCreate = z.input<typeof CreateSessionSchema>;
export type SessionJoin = z.input<typeof JoinSessionSchema>;
/** The timer as the host controls answer it: the same as the socket's `timer` frame. */
export type Timer = z.output<typeof TimerSchema>;
export interface SessionTicket {
  ticket: string;
  url: string;
}
export type HostAction = 'start' | 'pause' | 'resume' | 'end' | 'celebrate';

const sessionPath = (id: string) => `/api/coworking/sessions/${encodeURIComponent(id)}`;
const noStore = { auth: true, cache: 'no-store' } as const;

/** The coworking routes of SPEC §3, typed by their answers. */
export const coworkingApi = {
  create: (body: SessionCreate) =>
    request<CoworkingSession>('/api/coworking/sessions', { method: 'POST', json: body, auth: true }),
  mine: (cursor?: string) =>
    request<Page<CoworkingSession>>(
      `/api/coworking/sessions${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      noStore,
    ),
  nearby: (lat: number, lng: number, radius: number) =>
    request<{ items: NearbySession[] }>(
      `/api/coworking/sessions/nearby?lat=${lat}&lng=${lng}&radius=${radius}`,
      noStore,
    ),
  friends: () => request<{ items: CoworkingSession[] }>('/api/coworking/sessions/friends', noStore),
  byCode: (code: string) =>
    request<SessionDetails>(`/api/coworking/sessions/code/${encodeURIComponent(code)}`, noStore),
  get: (id: string) => request<SessionDetails>(sessionPath(id), noStore),
  join: (id: string, body: SessionJoin) =>
    request<JoinResult>(`${sessionPath(id)}/join`, { method: 'POST', json: body, auth: true }),
  leave: (id: string) => request<void>(`${sessionPath(id)}/leave`, { method: 'POST', auth: true }),
  passes: () => request<Passes>('/api/coworking/passes', noStore),
  ticket: (id: string) => request<SessionTicket>(`${sessionPath(id)}/ticket`, { method: 'POST', auth: true }),
  control: (id: string, action: HostAction) =>
    request<Timer>(`${sessionPath(id)}/${action}`, { method: 'POST', auth: true }),
  extend: (id: string, minutes: number) =>
    request<Timer>(`${sessionPath(id)}/extend`, { method: 'POST', json: { minutes }, auth: true }),
  handOver: (id: string, userId: string) =>
    request<{ hostId: string }>(`${sessionPath(id)}/host`, { method: 'POST', json: { userId }, auth: true }),
  remove: (id: string, userId: string) =>
    request<void>(`${sessionPath(id)}/participants/${encodeURIComponent(userId)}`, { method: 'DELETE', auth: true }),
  calendar: (id: string) => calendarOf(id),
};

/** `attachment; filename="x.ics"` (or `filename*=UTF-8''x.ics`) → `x.ics`; null without one. */
function filenameOf(disposition: string | null): string | null {
  const encoded = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition ?? '');
  if (encoded?.[1]) {
    try {
      return decodeURIComponent(encoded[1].trim());
    } catch {
      // A malformed name: fall through to the plain one.
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition ?? '');
  return plain?.[1]?.trim() || null;
}

/**
 * The session as an iCalendar file, with the name the server suggests. Not
 * JSON, so not `request()`: a plain fetch with a fresh token, failures thrown
 * as the same `ApiError` screens show.
 */
async function calendarOf(id: string): Promise<{ blob: Blob; filename: string }> {
  const token = await freshAccessToken();
  const failure = (status: number, title: string, detail: string, code: ApiError['code']) =>
    new ApiError({ type: 'about:blank', title, status, detail, code });
  if (!token) throw failure(401, 'Unauthorized', 'Sign in to continue.', 'unauthorized');
  let res: Response;
  try {
    res = await fetch(`${sessionPath(id)}/calendar.ics`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/calendar, application/problem+json' },
      cache: 'no-store',
    });
  } catch {
    throw failure(
      0,
      'Network error',
      'Could not reach the server. Check your connection and try again.',
      'network_error',
    );
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: unknown; detail?: unknown; title?: unknown } | null;
    if (body && typeof body.code === 'string') {
      throw failure(
        res.status,
        String(body.title ?? res.statusText),
        String(body.detail ?? ''),
        body.code as ApiError['code'],
      );
    }
    throw failure(res.status, res.statusText, `The server answered ${res.status}.`, 'unexpected_response');
  }
  const filename = filenameOf(res.headers.get('Content-Disposition')) ?? 'hearth-session.ics';
  return { blob: await res.blob(), filename };
}
