import type { FieldError, ProblemBody, ProblemCode } from '../lib/errors';
import type {
  Accepted,
  AuditEventPage,
  AuditLogQuery,
  DeviceSessionList,
  Health,
  LoginBody,
  Meta,
  OAuthLinkStart,
  OtpSignedIn,
  Outbox,
  Permission,
  ProfileChange,
  RegisterBody,
  Role,
  RoleList,
  SignedIn,
  User,
  UserPage,
  UserQuery,
  UserStatus,
} from './types';

export type { AuditLogQuery, UserQuery };

/**
 * Codes the client itself produces when no problem+json came back:
 * the network failed, or something other than the API answered.
 */
export type ClientErrorCode = 'network_error' | 'unexpected_response';

/** An API failure, parsed from the RFC 9457 problem+json body every error carries. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ProblemCode | ClientErrorCode;
  readonly title: string;
  readonly type: string;
  readonly requestId?: string;
  /** Field-level messages for `validation_failed`, keyed by dotted path (`body.email`). */
  readonly errors: FieldError[];
  /** Seconds to wait, from `Retry-After` on `rate_limited`. */
  readonly retryAfter?: number;

  constructor(
    problem: Omit<ProblemBody, 'code' | 'requestId'> & { code: ApiError['code']; requestId?: string },
    retryAfter?: number,
  ) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.type = problem.type;
    this.requestId = problem.requestId;
    this.errors = problem.errors ?? [];
    this.retryAfter = retryAfter;
  }
}

export interface RequestOptions extends Omit<RequestInit, 'body'> {
  /** Sent as the JSON request body. */
  json?: unknown;
  /** Non-2xx statuses whose JSON body is still the answer (health's 503 carries the report). */
  accept?: number[];
  /** Send the access token, renewing it first if needed, and retry once after a 401. */
  auth?: boolean;
}

/**
 * Where authenticated requests get their token. The session store provides it,
 * so this module stays the only place that talks HTTP.
 */
export interface Authenticator {
  /** A token with time left, or null when signed out. */
  accessToken(): Promise<string | null>;
  /** Called once after a 401: renew the token; true when a retry can succeed. */
  recover(error: ApiError): Promise<boolean>;
}

let authenticator: Authenticator | null = null;

export function setAuthenticator(next: Authenticator) {
  authenticator = next;
}

const isJson = (res: Response) => /^application\/json\b/i.test(res.headers.get('Content-Type') ?? '');
const isProblem = (res: Response) => /^application\/problem\+json\b/i.test(res.headers.get('Content-Type') ?? '');

export async function toApiError(res: Response): Promise<ApiError> {
  if (isProblem(res)) {
    const body = (await res.json().catch(() => null)) as ProblemBody | null;
    const retryAfter = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
    if (body && typeof body.code === 'string')
      return new ApiError(body, Number.isNaN(retryAfter) ? undefined : retryAfter);
  }
  return new ApiError({
    type: 'about:blank',
    title: res.statusText || 'Unexpected response',
    status: res.status,
    detail: `The server answered ${res.status} without a problem description.`,
    code: 'unexpected_response',
    requestId: res.headers.get('X-Request-Id') ?? undefined,
  });
}

/** Any thrown value as an `ApiError`, so screens handle one kind of failure. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({
    type: 'about:blank',
    title: 'Unexpected error',
    status: 0,
    detail: error instanceof Error ? error.message : String(error),
    code: 'unexpected_response',
  });
}

const signedOut = () =>
  new ApiError({
    type: 'about:blank',
    title: 'Unauthorized',
    status: 401,
    detail: 'Sign in to continue.',
    code: 'unauthorized',
  });

async function send<T>(path: string, options: RequestOptions): Promise<T> {
  const { json, accept = [], auth = false, ...init } = options;
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json, application/problem+json');
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  if (auth) {
    const token = await authenticator?.accessToken();
    if (!token) throw signedOut();
    headers.set('Authorization', `Bearer ${token}`);
  }

  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: 'Could not reach the server. Check your connection and try again.',
      code: 'network_error',
    });
  }

  if ((res.ok || accept.includes(res.status)) && !isProblem(res)) {
    if (res.status === 204) return undefined as T;
    if (isJson(res)) return (await res.json()) as T;
  }
  throw await toApiError(res);
}

/**
 * The one way the web app talks to the API: JSON in and out, and every failure
 * (network, problem+json, anything else) thrown as an `ApiError`. With `auth`,
 * a 401 (expired token, ended session) renews the token once and retries; the
 * request was refused before it did anything, so the retry is safe.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  try {
    return await send<T>(path, options);
  } catch (error) {
    if (!options.auth || !authenticator || !(error instanceof ApiError) || error.status !== 401) throw error;
    if (!(await authenticator.recover(error))) throw error;
    return send<T>(path, options);
  }
}

const post = (json?: unknown, auth = false): RequestOptions => ({ method: 'POST', json, auth });
const query = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** Every API call the web app makes, typed by its answer. */
export const api = {
  health: (signal?: AbortSignal) => request<Health>('/api/health', { accept: [503], cache: 'no-store', signal }),
  meta: () => request<Meta>('/api/meta'),

  register: (body: RegisterBody) => request<SignedIn>('/api/auth/register', post(body)),
  login: (body: LoginBody) => request<SignedIn>('/api/auth/login', post(body)),
  requestCode: (phone: string) => request<Accepted>('/api/auth/otp/request', post({ phone })),
  /** `created`: this sign-in made the account (the number was new to Hearth). */
  verifyCode: (phone: string, code: string) => request<OtpSignedIn>('/api/auth/otp/verify', post({ phone, code })),
  /**
   * The refresh token is the HttpOnly cookie scoped to /api/auth; nothing in script can read it.
   * Undefined (204) when the browser has no cookie: signed out, which is not an error.
   */
  refresh: () => request<SignedIn | undefined>('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' }),
  logout: () => request<void>('/api/auth/logout', { method: 'POST', credentials: 'same-origin' }),
  logoutAll: () => request<void>('/api/auth/logout-all', post(undefined, true)),
  sessions: () => request<DeviceSessionList>('/api/auth/sessions', { auth: true, cache: 'no-store' }),
  revokeSession: (id: string) =>
    request<void>(`/api/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true }),
  /** The provider's authorization URL; opening it links that identity to the signed-in account. */
  linkProvider: (id: string) =>
    request<OAuthLinkStart>(`/api/auth/oauth/${encodeURIComponent(id)}/link`, post(undefined, true)),
  requestPasswordReset: (email: string) => request<Accepted>('/api/auth/password-reset/request', post({ email })),
  confirmPasswordReset: (token: string, password: string) =>
    request<void>('/api/auth/password-reset/confirm', post({ token, password })),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('/api/auth/password', post({ currentPassword, newPassword }, true)),
  requestVerification: () => request<Accepted>('/api/auth/verify-email/request', post(undefined, true)),
  confirmVerification: (token: string) => request<void>('/api/auth/verify-email/confirm', post({ token })),

  me: () => request<User>('/api/users/me', { auth: true, cache: 'no-store' }),
  /** Everything Hearth holds about me, as the JSON the export route attaches. */
  exportMe: () => request<unknown>('/api/users/me/export', { auth: true, cache: 'no-store' }),
  requestPhoneCode: (phone: string) => request<Accepted>('/api/users/me/phone', post({ phone }, true)),
  addPhone: (phone: string, code: string) => request<User>('/api/users/me/phone/verify', post({ phone, code }, true)),
  addEmail: (email: string) => request<User>('/api/users/me/email', post({ email }, true)),
  setPassword: (password: string) => request<User>('/api/users/me/password', post({ password }, true)),
  /** Development only: the mail and texts the outbox sender "delivered", newest last. */
  devOutbox: () => request<Outbox>('/api/dev/outbox', { cache: 'no-store' }),
  updateMe: (patch: ProfileChange) => request<User>('/api/users/me', { method: 'PATCH', json: patch, auth: true }),
  deleteMe: (password?: string) =>
    request<void>('/api/users/me', { method: 'DELETE', json: password ? { password } : {}, auth: true }),

  roles: () => request<RoleList>('/api/roles', { auth: true, cache: 'no-store' }),
  createRole: (body: { name: string; description?: string; permissions?: Permission[] }) =>
    request<Role>('/api/roles', post(body, true)),
  updateRole: (id: string, change: { description?: string | null; permissions?: Permission[] }) =>
    request<Role>(`/api/roles/${encodeURIComponent(id)}`, { method: 'PATCH', json: change, auth: true }),
  auditLog: (params: AuditLogQuery) =>
    request<AuditEventPage>(`/api/admin/audit-log${query(params)}`, { auth: true, cache: 'no-store' }),
  deleteRole: (id: string) => request<void>(`/api/roles/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true }),
  users: (params: UserQuery) =>
    request<UserPage>(`/api/admin/users${query(params)}`, { auth: true, cache: 'no-store' }),
  updateUser: (id: string, change: { roles?: string[]; status?: UserStatus }) =>
    request<User>(`/api/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', json: change, auth: true }),
};
