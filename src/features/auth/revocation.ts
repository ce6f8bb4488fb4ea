import { ACCESS_TOKEN_TTL_SECONDS } from './access-token';

// KV holds a marker per ended session for as long as an access token naming it
// could still verify. Markers are only ever added, so there is no race in which
// a stale "still valid" entry overwrites a revocation.
const key = (sessionId: string) => `auth:revoked:${sessionId}`;
const MARKER_TTL_SECONDS = ACCESS_TOKEN_TTL_SECONDS + 60;

export async function markSessionsRevoked(kv: KVNamespace, sessionIds: readonly string[]): Promise<void> {
  await Promise.all(sessionIds.map((id) => kv.put(key(id), '1', { expirationTtl: MARKER_TTL_SECONDS })));
}

/**
 * Read on every authenticated request. KV reads are local and fast; a write is
 * visible at once where it was made and elsewhere within about 60 seconds,
 * which bounds how long a revoked access token can still work far away.
 */
export async function isSessionRevoked(kv: KVNamespace, sessionId: string): Promise<boolean> {
  return (await kv.get(key(sessionId))) !== null;
}
