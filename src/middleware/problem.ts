import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../env';
import { AppError, type ProblemCode, problemResponse } from '../lib/errors';

/** Maps errors thrown by Hono's own middleware to our stable codes. */
function fromHttpException(error: HTTPException): AppError {
  const byStatus: Record<number, ProblemCode> = {
    400: error.message.includes('JSON') ? 'invalid_json' : 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'rate_limited',
    503: 'unavailable',
  };
  return new AppError(byStatus[error.status] ?? 'internal', error.message || undefined, { cause: error });
}

function requestIdOf(c: Context<AppEnv>): string {
  return c.var.requestId ?? crypto.randomUUID();
}

/**
 * The one place errors become responses: RFC 9457 problem+json with a stable
 * `code`. Unknown errors are logged with their stack and answered as a bare
 * 500 `internal`; the stack never leaves the worker.
 */
export const handleError: ErrorHandler<AppEnv> = function handleError(error, c) {
  let problem: AppError;
  if (error instanceof AppError) problem = error;
  else if (error instanceof HTTPException) problem = fromHttpException(error);
  else problem = new AppError('internal', 'Something went wrong on our side. Quote the request id if you report it.');

  if (!(error instanceof AppError) && problem.status >= 500) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'unhandled error',
        requestId: requestIdOf(c),
        path: c.req.path,
        error:
          error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
      }),
    );
  }
  return problemResponse(problem, requestIdOf(c));
};

export const handleNotFound: NotFoundHandler<AppEnv> = function handleNotFound(c) {
  return problemResponse(new AppError('not_found', `No route for ${c.req.method} ${c.req.path}.`), requestIdOf(c));
};
