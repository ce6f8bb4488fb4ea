import type { FieldError, ProblemBody, ProblemCode } from '../lib/errors';
import type { Health } from './types';

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

  constructor(problem: Omit<ProblemBody, 'code' | 'requestId'> & { code: ApiError['code']; requestId?: string }) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.type = problem.type;
    this.requestId = problem.requestId;
    this.errors = problem.errors ?? [];
  }
}

export interface RequestOptions extends Omit<RequestInit, 'body'> {
  /** Sent as the JSON request body. */
  json?: unknown;
  /** Non-2xx statuses whose JSON body is still the answer (health's 503 carries the report). */
  accept?: number[];
}

const isJson = (res: Response) => /^application\/json\b/i.test(res.headers.get('Content-Type') ?? '');
const isProblem = (res: Response) => /^application\/problem\+json\b/i.test(res.headers.get('Content-Type') ?? '');

async function toApiError(res: Response): Promise<ApiError> {
  if (isProblem(res)) {
    const body = (await res.json().catch(() => null)) as ProblemBody | null;
    if (body && typeof body.code === 'string') return new ApiError(body);
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

/**
 * The one way the web app talks to the API: JSON in and out, and every failure
 * (network, problem+json, anything else) thrown as an `ApiError`.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { json, accept = [], ...init } = options;
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json, application/problem+json');
  if (json !== undefined) headers.set('Content-Type', 'application/json');

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

export const api = {
  health: (signal?: AbortSignal) => request<Health>('/api/health', { accept: [503], cache: 'no-store', signal }),
};
