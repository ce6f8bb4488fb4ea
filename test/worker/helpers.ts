import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const ORIGIN = 'http://localhost:8787';

/** A fresh client address per caller, so one test's throttles never reach another's. */
export function randomIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0]}.${bytes[1]}.${bytes[2]}`;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  token?: string;
  cookie?: string;
  ip?: string;
  headers?: Record<string, string>;
}

/** Calls the worker as a client would: JSON in, the real fetch handler, real bindings. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    'cf-connecting-ip': options.ip ?? randomIp(),
    ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.cookie ? { cookie: options.cookie } : {}),
    ...options.headers,
  };
  return exports.default.fetch(`${ORIGIN}${path}`, {
    method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    redirect: 'manual',
  });
}

/** Asserts a problem+json response and returns its body. */
export async function expectProblem(res: Response, status: number, code: string) {
  const body = (await res.json()) as { code: string; detail: string; errors?: { path: string }[] };
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return body;
}

/** Asserts a device is signed out: its access token and its refresh token are both refused. */
export async function expectSignedOut(device: { accessToken: string; refreshToken: string }): Promise<void> {
  await expectProblem(await call('/api/auth/sessions', { token: device.accessToken }), 401, 'unauthorized');
  await expectProblem(
    await call('/api/auth/refresh', { body: { refreshToken: device.refreshToken } }),
    401,
    'unauthorized',
  );
}

/** Asserts a password sign-in is refused with `status`/`code`. */
export async function expectLoginRefused(email: string, password: string, status = 401, code = 'unauthorized') {
  await expectProblem(await call('/api/auth/login', { body: { email, password } }), status, code);
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export const PASSWORD = 'a quiet hearth at dusk';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  ip: string;
}

/** Registers a native-client user (refresh token in the body) and returns its credentials. */
export async function registerUser(overrides: { email?: string; password?: string; name?: string } = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? PASSWORD;
  const ip = randomIp();
  const res = await call('/api/auth/register', {
    body: { email, password, name: overrides.name, client: 'native' },
    ip,
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { user: { id: string }; accessToken: string; refreshToken: string };
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    ip,
  } satisfies TestUser;
}

export interface OutboxMessage {
  channel: 'email' | 'sms';
  to: string;
  subject: string | null;
  body: string;
}

/** Waits for the development sender to deliver a message to `to` (queued messages take a moment). */
export async function waitForMessage(to: string, match: RegExp): Promise<OutboxMessage> {
  let found: OutboxMessage | undefined;
  await expect
    .poll(
      async () => {
        const res = await call('/api/dev/outbox');
        const { items } = (await res.json()) as { items: OutboxMessage[] };
        found = items.filter((message) => message.to === to && match.test(message.body)).at(-1);
        return found !== undefined;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBe(true);
  return found as OutboxMessage;
}

/** The `token` query parameter of the first link in a message. */
export function tokenFromLink(text: string): string {
  const link = /https?:\/\/\S+/.exec(text)?.[0];
  const token = link ? new URL(link).searchParams.get('token') : null;
  if (!token) throw new Error(`no link with a token in: ${text}`);
  return token;
}

/** Makes `email` an admin directly in D1, as `npm run admin -- grant` does. */
export async function makeAdmin(userId: string): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO user_roles (user_id, role_id, granted_at) VALUES (?1, 'role_admin', ?2) ON CONFLICT DO NOTHING",
  )
    .bind(userId, Date.now())
    .run();
}

/** Uploads bytes as multipart/form-data (the browser's way) and returns the response. */
export async function uploadForm(
  token: string,
  bytes: Uint8Array | string,
  name = 'notes.txt',
  type = 'text/plain',
): Promise<Response> {
  const form = new FormData();
  form.append('file', new File([bytes], name, { type }));
  return exports.default.fetch(`${ORIGIN}/api/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'cf-connecting-ip': randomIp() },
    body: form,
  });
}

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string | null;
}

export async function uploadFileOk(token: string, bytes: Uint8Array | string, name?: string, type?: string) {
  const res = await uploadForm(token, bytes, name, type);
  expect(res.status).toBe(201);
  return (await res.json()) as UploadedFile;
}

export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Deterministic pseudo-random bytes (no 64 KiB getRandomValues limit). */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Fetches a full URL (signed links, share pages) through the worker. */
export function fetchUrl(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', randomIp());
  return exports.default.fetch(url, { ...init, headers });
}
