import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The stable error codes of SPEC §2. Clients switch on these, so never rename one. */
export const problemCodes = {
  validation_failed: { status: 400, title: 'Validation failed' },
  invalid_json: { status: 400, title: 'Invalid JSON' },
  bad_request: { status: 400, title: 'Bad request' },
  invalid_token: { status: 400, title: 'Invalid or expired link' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  token_expired: { status: 401, title: 'Token expired' },
  refresh_token_reused: { status: 401, title: 'Refresh token reused' },
  forbidden: { status: 403, title: 'Forbidden' },
  no_remote_passes: { status: 403, title: 'No remote passes left' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  email_taken: { status: 409, title: 'Email already registered' },
  session_full: { status: 409, title: 'Session is full' },
  session_ended: { status: 409, title: 'Session has ended' },
  gone: { status: 410, title: 'Gone' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  quota_exceeded: { status: 413, title: 'Storage quota exceeded' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  range_not_satisfiable: { status: 416, title: 'Range not satisfiable' },
  upgrade_required: { status: 426, title: 'Upgrade required' },
  weak_password: { status: 400, title: 'Password too weak' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ProblemCode = keyof typeof problemCodes;

export interface FieldError {
  /** Dotted path into the request, e.g. `body.email`. */
  path: string;
  message: string;
  code: string;
}

export interface ProblemOptions {
  errors?: FieldError[];
  /** Extra response headers, e.g. `Retry-After` for `rate_limited`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error the client caused or is allowed to see. Thrown anywhere (handlers,
 * services, middleware) and turned into problem+json by the app's one error
 * handler, so no code path formats errors by hand.
 */
export class AppError extends Error {
  readonly code: ProblemCode;
  readonly status: ContentfulStatusCode;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(code: ProblemCode, detail?: string, options: ProblemOptions = {}) {
    super(detail ?? problemCodes[code].title, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = problemCodes[code].status;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  requestId: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Builds the RFC 9457 body; `type` is a stable URI naming the code. */
export function problemBody(error: AppError, requestId: string): ProblemBody {
  return {
    type: `https://hearth.dev/problems/${error.code.replaceAll('_', '-')}`,
    title: problemCodes[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function problemResponse(error: AppError, requestId: string): Response {
  const headers = new Headers(error.headers);
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(problemBody(error, requestId)), { status: error.status, headers });
}
