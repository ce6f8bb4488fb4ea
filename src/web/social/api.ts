import { request } from '../api';
import type { Page } from '../types';
import type {
  BlockedUser,
  FiledReport,
  FriendEmailInvite,
  FriendEntry,
  FriendInvite,
  FriendLists,
  FriendRequestResult,
  Report,
  ReportCreate,
  ReportDecision,
  ReportStatus,
} from './types';

const noStore = { auth: true, cache: 'no-store' } as const;
const post = (json: unknown) => ({ method: 'POST', json, auth: true }) as const;
const user = (id: string) => encodeURIComponent(id);

/** Friends, blocks and reports (SPEC §3), typed by their routes' answers. */
export const socialApi = {
  friends: () => request<FriendLists>('/api/friends', noStore),
  requestFriend: (userId: string) => request<FriendRequestResult>('/api/friends/request', post({ userId })),
  accept: (userId: string) => request<FriendEntry>('/api/friends/accept', post({ userId })),
  decline: (userId: string) => request<void>('/api/friends/decline', post({ userId })),
  cancel: (userId: string) => request<void>('/api/friends/cancel', post({ userId })),
  unfriend: (userId: string) => request<void>(`/api/friends/${user(userId)}`, { method: 'DELETE', auth: true }),
  inviteLink: () => request<FriendInvite>('/api/friends/invite-link', { method: 'POST', auth: true }),
  acceptInvite: (token: string) => request<FriendEntry>('/api/friends/invites/accept', post({ token })),
  inviteByEmail: (email: string) => request<FriendEmailInvite>('/api/friends/invite-email', post({ email })),
  blocks: () => request<{ items: BlockedUser[] }>('/api/users/me/blocks', noStore),
  block: (userId: string) => request<void>(`/api/users/${user(userId)}/block`, { method: 'POST', auth: true }),
  unblock: (userId: string) => request<void>(`/api/users/${user(userId)}/block`, { method: 'DELETE', auth: true }),
  report: (body: ReportCreate) => request<FiledReport>('/api/reports', post(body)),
  reports: (status: ReportStatus | undefined, cursor?: string) => {
    const query = new URLSearchParams();
    if (status) query.set('status', status);
    if (cursor) query.set('cursor', cursor);
    const search = query.toString();
    return request<Page<Report>>(`/api/admin/reports${search ? `?${search}` : ''}`, noStore);
  },
  decide: (id: string, body: ReportDecision) =>
    request<Report>(`/api/admin/reports/${encodeURIComponent(id)}`, { method: 'PATCH', json: body, auth: true }),
};
