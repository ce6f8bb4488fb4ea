import { request } from '../api';
import type {
  AccessLogPage,
  AccessLogQuery,
  FilePage,
  FileQuery,
  Quota,
  ResumableUpload,
  Share,
  ShareChange,
  ShareCreate,
  ShareList,
  SignedUrl,
  StorageReport,
  StoredFile,
  User,
} from '../types';

export type { AccessLogQuery, FileQuery, ShareChange, ShareCreate };

const id = encodeURIComponent;
const query = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};
const read = { auth: true, cache: 'no-store' } as const;
const send = (method: string, json?: unknown) => ({ method, json, auth: true });

/** The files, sharing and storage-admin calls of SPEC §3. Uploads with progress live in `./upload`. */
export const filesApi = {
  list: (params: FileQuery) => request<FilePage>(`/api/files${query({ ...params })}`, read),
  rename: (fileId: string, name: string) => request<StoredFile>(`/api/files/${id(fileId)}`, send('PATCH', { name })),
  remove: (fileId: string) => request<void>(`/api/files/${id(fileId)}`, send('DELETE')),
  downloadLink: (fileId: string) => request<SignedUrl>(`/api/files/${id(fileId)}/download`, read),

  startUpload: (body: { name: string; size: number; contentType?: string }) =>
    request<ResumableUpload>('/api/files/uploads', send('POST', body)),
  completeUpload: (uploadId: string) =>
    request<StoredFile>(`/api/files/uploads/${id(uploadId)}/complete`, send('POST')),
  abortUpload: (uploadId: string) => request<void>(`/api/files/uploads/${id(uploadId)}`, send('DELETE')),

  shares: (fileId: string) => request<ShareList>(`/api/files/${id(fileId)}/shares`, read),
  createShare: (fileId: string, body: ShareCreate) =>
    request<Share>(`/api/files/${id(fileId)}/shares`, send('POST', body)),
  updateShare: (shareId: string, body: ShareChange) =>
    request<Share>(`/api/shares/${id(shareId)}`, send('PATCH', body)),
  revokeShare: (shareId: string) => request<void>(`/api/shares/${id(shareId)}`, send('DELETE')),

  storage: () => request<StorageReport>('/api/admin/storage', read),
  /** Who an owner is, for a storage row without an email (phone-only accounts): admins may read anyone. */
  user: (userId: string) => request<User>(`/api/users/${id(userId)}`, read),
  setQuota: (userId: string, quotaBytes: number | null) =>
    request<Quota>(`/api/admin/users/${id(userId)}/quota`, send('PUT', { quotaBytes })),
  accessLogs: (params: AccessLogQuery) => request<AccessLogPage>(`/api/admin/access-logs${query({ ...params })}`, read),
};
