import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { currentUserId, hasPermission } from '../../middleware/auth';
import type { Identity } from '../../realtime/room-base';
import { issueTicket } from '../../realtime/ticket';
import { hiddenFrom } from '../social/blocks.service';
import { findUserById } from '../users/users.service';
import { createInvite, emailInvite, readInvite } from './invites';
import {
  acceptInviteRoute,
  addMemberRoute,
  createRoomRoute,
  deleteMessageRoute,
  deleteRoomRoute,
  getRoomRoute,
  historyRoute,
  inviteLinkRoute,
  joinRoomRoute,
  leaveRoomRoute,
  listMembersRoute,
  listRoomsRoute,
  removeMemberRoute,
  ticketRoute,
  transferRoute,
  updateRoomRoute,
} from './rooms.routes';
import {
  addMember,
  assertCanManage,
  createRoom,
  deleteRoom,
  displayName,
  findRoom,
  listMembers,
  listRooms,
  removeMember,
  roomObject,
  toPublicRoom,
  transferOwnership,
  updateRoom,
  visibleRoom,
} from './rooms.service';

/** Room moderators (`rooms.moderate`) may manage any room and delete anyone's messages. */
const isAdmin = (c: Context<AppEnv>) => hasPermission(c, 'rooms.moderate');

async function identityOf(c: Context<AppEnv>): Promise<Identity> {
  const user = await findUserById(c.var.db, currentUserId(c));
  if (!user) throw new AppError('unauthorized', 'Sign in again.');
  return {
    userId: user.id,
    name: displayName(user),
    sessionId: c.var.sessionId ?? '',
    isAdmin: await isAdmin(c),
  };
}

export const roomRoutes = createRouter()
  .openapi(createRoomRoute, async (c) => {
    const room = await createRoom(c.var.db, currentUserId(c), c.req.valid('json'));
    return c.json(toPublicRoom(room, 'owner'), 201);
  })
  .openapi(listRoomsRoute, async (c) => {
    return c.json(await listRooms(c.var.db, currentUserId(c), c.req.valid('query')), 200);
  })
  .openapi(getRoomRoute, async (c) => {
    const { room, role } = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.json(toPublicRoom(room, role), 200);
  })
  .openapi(updateRoomRoute, async (c) => {
    const visible = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    assertCanManage(visible, await isAdmin(c));
    const room = await updateRoom(c.var.db, visible.room.id, c.req.valid('json'));
    return c.json(toPublicRoom(room, visible.role), 200);
  })
  .openapi(deleteRoomRoute, async (c) => {
    const visible = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    assertCanManage(visible, await isAdmin(c));
    await deleteRoom(c.var.db, c.env, visible.room.id);
    return c.body(null, 204);
  })
  .openapi(listMembersRoute, async (c) => {
    const visible = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    if (visible.role === null && !(await isAdmin(c)))
      throw new AppError('not_found', 'Join the room to see who is in it.');
    return c.json(await listMembers(c.var.db, visible.room.id, c.req.valid('query')), 200);
  })
  .openapi(addMemberRoute, async (c) => {
    const inviterId = currentUserId(c);
    const visible = await visibleRoom(c.var.db, inviterId, c.req.valid('param').id);
    assertCanManage(visible, await isAdmin(c));
    const body = c.req.valid('json');
    if ('email' in body) {
      const link = createInvite(c.var.config, visible.room.id, now().getTime());
      const inviter = await findUserById(c.var.db, inviterId);
      await emailInvite(c.env, c.var.config, c.var.db, {
        roomName: visible.room.name,
        inviterId,
        inviterName: inviter ? displayName(inviter) : 'Someone',
        email: body.email,
        link,
      });
      return c.json({ invited: body.email, expiresAt: link.expiresAt }, 202);
    }
    if (!(await findUserById(c.var.db, body.userId))) throw new AppError('not_found', 'No such user.');
    await addMember(c.var.db, c.env, visible.room.id, body.userId);
    return c.json(toPublicRoom(visible.room, visible.role), 201);
  })
  .openapi(removeMemberRoute, async (c) => {
    const { id, userId } = c.req.valid('param');
    const visible = await visibleRoom(c.var.db, currentUserId(c), id);
    assertCanManage(visible, await isAdmin(c));
    if (userId === visible.room.ownerId) {
      throw new AppError('conflict', 'The owner cannot be removed; transfer the room to someone else first.');
    }
    if (!(await removeMember(c.var.db, c.env, visible.room.id, userId, 'You were removed from this room'))) {
      throw new AppError('not_found', 'They are not a member of this room.');
    }
    return c.body(null, 204);
  })
  .openapi(transferRoute, async (c) => {
    const visible = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    assertCanManage(visible, await isAdmin(c));
    const { userId } = c.req.valid('json');
    if (userId === visible.room.ownerId) throw new AppError('conflict', 'They already own this room.');
    const room = await transferOwnership(c.var.db, c.env, visible.room.id, visible.room.ownerId, userId);
    const role = visible.role === null ? null : currentUserId(c) === userId ? 'owner' : 'member';
    return c.json(toPublicRoom(room, role), 200);
  })
  .openapi(inviteLinkRoute, async (c) => {
    const visible = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    assertCanManage(visible, await isAdmin(c));
    c.header('Cache-Control', 'no-store');
    return c.json(createInvite(c.var.config, visible.room.id, now().getTime()), 201);
  })
  .openapi(acceptInviteRoute, async (c) => {
    const userId = currentUserId(c);
    const roomId = readInvite(c.var.config, c.req.valid('json').token, now().getTime());
    // The invite stands in for the membership a private room asks for; a deleted room is a 404.
    const room = await findRoom(c.var.db, roomId);
    if (!room) throw new AppError('not_found', 'This room no longer exists.');
    await addMember(c.var.db, c.env, room.id, userId);
    const { role } = await visibleRoom(c.var.db, userId, room.id);
    return c.json(toPublicRoom(room, role), 200);
  })
  .openapi(joinRoomRoute, async (c) => {
    const userId = currentUserId(c);
    const visible = await visibleRoom(c.var.db, userId, c.req.valid('param').id);
    // Only public rooms can be reached here without membership (visibleRoom hid the rest).
    if (visible.role === null) await addMember(c.var.db, c.env, visible.room.id, userId);
    return c.json(toPublicRoom(visible.room, visible.role ?? 'member'), 200);
  })
  .openapi(leaveRoomRoute, async (c) => {
    const userId = currentUserId(c);
    const visible = await visibleRoom(c.var.db, userId, c.req.valid('param').id);
    if (visible.role === 'owner') throw new AppError('conflict', 'The owner cannot leave; delete the room instead.');
    if (!(await removeMember(c.var.db, c.env, visible.room.id, userId))) {
      throw new AppError('not_found', 'You are not in this room.');
    }
    return c.body(null, 204);
  })
  .openapi(historyRoute, async (c) => {
    const visible = await visibleRoom(c.var.db, currentUserId(c), c.req.valid('param').id);
    if (visible.role === null) throw new AppError('not_found', 'Join the room to read its history.');
    const { before, limit } = c.req.valid('query');
    const [page, hidden] = await Promise.all([
      roomObject(c.env, visible.room.id).history(before ?? null, limit),
      hiddenFrom(c.var.db, currentUserId(c)),
    ]);
    // Messages of people hidden by a block are left out; the cursor still pages by seq, so nothing repeats.
    return c.json({ ...page, items: page.items.filter((message) => !hidden.has(message.author.id)) }, 200);
  })
  .openapi(deleteMessageRoute, async (c) => {
    const { id, messageId } = c.req.valid('param');
    const visible = await visibleRoom(c.var.db, currentUserId(c), id);
    if (visible.role === null) throw new AppError('not_found', 'No such message.');
    const result = await roomObject(c.env, visible.room.id).deleteMessage(await identityOf(c), messageId);
    if (result === 'not_found') throw new AppError('not_found', 'No such message.');
    if (result === 'forbidden')
      throw new AppError('forbidden', 'Only the author, the room owner or an admin can delete it.');
    return c.body(null, 204);
  })
  .openapi(ticketRoute, async (c) => {
    const userId = currentUserId(c);
    const visible = await visibleRoom(c.var.db, userId, c.req.valid('param').id);
    if (visible.role === null) await addMember(c.var.db, c.env, visible.room.id, userId);
    // Signed here and checked by the worker at the upgrade, which re-reads the session and
    // membership then; no room object is touched until a genuine ticket arrives.
    const { ticket } = issueTicket(
      c.var.config.secrets.URL_SIGNING_KEYS,
      { kind: 'room', target: visible.room.id, userId, sessionId: c.var.sessionId ?? '' },
      now().getTime(),
    );
    const url = new URL(`/api/rooms/${visible.room.id}/ws`, c.var.config.appUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    c.header('Cache-Control', 'no-store');
    return c.json({ ticket, url: url.toString() }, 200);
  });
