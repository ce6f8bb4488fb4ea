/** Who is calling, as far as the edge can tell. */
export interface ClientInfo {
  /** From `CF-Connecting-IP` only: other forwarding headers are set by the client and can be forged. */
  ip: string | null;
  userAgent: string | null;
}

export function clientInfo(request: Request): ClientInfo {
  return {
    ip: request.headers.get('cf-connecting-ip'),
    userAgent: request.headers.get('user-agent'),
  };
}
