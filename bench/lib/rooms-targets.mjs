// Fresh rooms on the two targets of the room scenarios: the app (a room created through
// the API, a ticket per socket, Origin = APP_URL) and bench/bare-rooms (a room by name).
import { apiOk } from './accounts.mjs';

/**
 * Returns `freshRoom(target)`, which makes a new room and says where socket i connects.
 * Socket i belongs to user i (round-robin over the users when there are fewer: then some
 * users have several sockets, as with several tabs).
 * @param {{ app: import('./servers.mjs').Server, bare: import('./servers.mjs').Server, users: import('./accounts.mjs').Account[] }} options
 */
export function roomFactory({ app, bare, users }) {
  const appOrigin = `http://localhost:${app.port}`;
  let roomCount = 0;
  /**
   * @param {'app' | 'bare'} target
   * @returns {Promise<{ room: string, endpoint: (index: number) => Promise<{ url: string, headers: Record<string, string> }> }>}
   */
  return async function freshRoom(target) {
    roomCount++;
    if (target === 'bare') {
      const name = `bench-${roomCount}`;
      return {
        room: name,
        endpoint: async () => ({
          url: `${bare.url.replace(/^http/, 'ws')}/ws?room=${name}`,
          headers: { Origin: `http://localhost:${bare.port}` },
        }),
      };
    }
    const owner = users[0];
    const room = await apiOk(app, 'POST', '/api/rooms', 201, {
      token: owner.accessToken,
      body: { name: `bench ${roomCount}`, visibility: 'public' },
    });
    const roomId = room.body.id;
    return {
      room: roomId,
      endpoint: async (index) => {
        const user = users[index % users.length];
        const ticket = await apiOk(app, 'POST', `/api/rooms/${roomId}/ticket`, 200, { token: user.accessToken });
        // The URL names APP_URL (ws://localhost:<port>); the server listens on 127.0.0.1.
        const url = new URL(ticket.body.url);
        return {
          url: `ws://127.0.0.1:${app.port}${url.pathname}${url.search}`,
          headers: { Origin: appOrigin },
        };
      },
    };
  };
}
