import type { Room, RoomEmailInvite, RoomInvite, RoomMember, RoomTicket } from '../../features/rooms/rooms.schemas';
import type { MessageView } from '../../realtime/protocol';
import { request } from '../api';
import type { Page, RoomVisibility } from '../types';

export type { RoomInvite, RoomMember };

/** A message of the REST history: what the socket sends, plus whether it was deleted (its text is then empty). */
export type HistoryMessage = MessageView & { deleted: boolean };

const roomPath = (id: string) => `/api/rooms/${encodeURIComponent(id)}`;
const noStore = { auth: true, cache: 'no-store' } as const;

/** The rooms routes of SPEC §3 "Chat rooms", typed by their answers. */
export const roomsApi = {
  list: (cursor?: string) =>
    request<Page<Room>>(`/api/rooms${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, noStore),
  create: (body: { name: string; visibility: RoomVisibility }) =>
    request<Room>('/api/rooms', { method: 'POST', json: body, auth: true }),
  get: (id: string) => request<Room>(roomPath(id), noStore),
  update: (id: string, patch: { name?: string; visibility?: RoomVisibility }) =>
    request<Room>(roomPath(id), { method: 'PATCH', json: patch, auth: true }),
  remove: (id: string) => request<void>(roomPath(id), { method: 'DELETE', auth: true }),
  addMember: (id: string, userId: string) =>
    request<Room>(`${roomPath(id)}/members`, { method: 'POST', json: { userId }, auth: true }),
  members: (id: string, cursor?: string) =>
    request<Page<RoomMember>>(
      `${roomPath(id)}/members${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      noStore,
    ),
  /** Emails an invite link; the answer is the same whether or not the address has an account. */
  inviteByEmail: (id: string, email: string) =>
    request<RoomEmailInvite>(`${roomPath(id)}/members`, { method: 'POST', json: { email }, auth: true }),
  inviteLink: (id: string) => request<RoomInvite>(`${roomPath(id)}/invite-link`, { method: 'POST', auth: true }),
  acceptInvite: (token: string) =>
    request<Room>('/api/rooms/invites/accept', { method: 'POST', json: { token }, auth: true }),
  removeMember: (id: string, userId: string) =>
    request<void>(`${roomPath(id)}/members/${encodeURIComponent(userId)}`, { method: 'DELETE', auth: true }),
  transfer: (id: string, userId: string) =>
    request<Room>(`${roomPath(id)}/transfer`, { method: 'POST', json: { userId }, auth: true }),
  join: (id: string) => request<Room>(`${roomPath(id)}/join`, { method: 'POST', auth: true }),
  leave: (id: string) => request<void>(`${roomPath(id)}/leave`, { method: 'POST', auth: true }),
  /** Newest first; `before` is a seq (the page holds only lower ones). */
  history: (id: string, before: number | null, limit: number) =>
    request<Page<HistoryMessage>>(
      `${roomPath(id)}/messages?limit=${limit}${before === null ? '' : `&before=${before}`}`,
      noStore,
    ),
  deleteMessage: (id: string, messageId: string) =>
    request<void>(`${roomPath(id)}/messages/${encodeURIComponent(messageId)}`, { method: 'DELETE', auth: true }),
  ticket: (id: string) => request<RoomTicket>(`${roomPath(id)}/ticket`, { method: 'POST', auth: true }),
};
