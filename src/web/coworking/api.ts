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
import { request } from '../api';
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
};
