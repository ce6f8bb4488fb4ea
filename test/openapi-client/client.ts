// What another team's app writes to call Hearth, after generating `hearth-api.d.ts` as README shows.
// scripts/check-openapi.mjs generates that file from the current /api/openapi.json, puts it beside a
// copy of this one, and type-checks both: a route whose contract changes breaks this file, and the
// check, rather than the other team's app.
import createClient from 'openapi-fetch';
import type { components, paths } from './hearth-api';

type File = components['schemas']['File'];

export function hearth(baseUrl: string, accessToken?: string) {
  return createClient<paths>({
    baseUrl,
    headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
  });
}

/** Signs in a native client: the refresh token comes back in the body, not in a cookie. */
export async function signIn(baseUrl: string, email: string, password: string) {
  const { data, error } = await hearth(baseUrl).POST('/api/auth/login', {
    body: { email, password, client: 'native' },
  });
  if (error) throw new Error(`${error.status} ${error.code}: ${error.detail}`);
  return { accessToken: data.accessToken, userId: data.user.id };
}

/** Renames a file; every error is problem+json with a stable `code`. */
export async function renameFile(api: ReturnType<typeof hearth>, id: string, name: string): Promise<File | string> {
  const { data, error } = await api.PATCH('/api/files/{id}', { params: { path: { id } }, body: { name } });
  return error ? error.code : data;
}

/** Reads every page of a list. */
export async function allRooms(api: ReturnType<typeof hearth>) {
  const rooms: string[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/rooms', { params: { query: { limit: 100, cursor } } });
    if (error) throw new Error(error.code);
    rooms.push(...data.items.map((room) => room.name));
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return rooms;
}

export async function deleteFile(api: ReturnType<typeof hearth>, id: string) {
  const { response } = await api.DELETE('/api/files/{id}', { params: { path: { id } } });
  return response.status === 204;
}

export async function refusals(api: ReturnType<typeof hearth>) {
  // @ts-expect-error: a route Hearth does not have is refused at compile time.
  await api.GET('/api/no-such-route');
  // @ts-expect-error: so is a route with path parameters called without them.
  await api.GET('/api/files/{id}');
  // @ts-expect-error: and a body of the wrong shape.
  await api.PATCH('/api/files/{id}', { params: { path: { id: 'f' } }, body: { name: 42 } });
}
