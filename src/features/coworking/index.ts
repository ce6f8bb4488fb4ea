import type { Database } from '../../db/client';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { enforceLimit, type LimitRule } from '../../limiter';
import { currentUserId } from '../../middleware/auth';
import { senderFor } from '../notify/senders';
import { displayName } from '../rooms/rooms.service';
import { hiddenFrom } from '../social/blocks.service';
import { findUserById } from '../users/users.service';
import {
  calendarRoute,
  createSessionRoute,
  friendsSessionsRoute,
  getSessionRoute,
  inviteRoute,
  joinSessionRoute,
  leaveSessionRoute,
  listMySessionsRoute,
  nearbySessionsRoute,
  passesRoute,
  sessionByCodeRoute,
} from './coworking.routes';
import {
  countInvites,
  createSession,
  friendsSessions,
  inviteesAmong,
  joinSession,
  leaveSession,
  listMySessions,
  nearbySessions,
  type SessionRow,
  sessionByCode,
  sessionDetails,
  toPublicParticipation,
  toPublicSession,
  type VisibleSession,
  visibleSession,
} from './coworking.service';
import { calendarOf } from './ical';
import { coworkingObject, setupOf } from './live';
import { passesOf } from './passes.service';

/** A session's details with its timer as the object holds it now, read side by side. */
async function detailsWithTimer(env: Env, db: Database, visible: VisibleSession) {
  const [details, timer] = await Promise.all([
    sessionDetails(db, visible),
    coworkingObject(env, visible.session.id).timer(),
  ]);
  return { ...details, timer };
}

/** Share-code look-ups per account: plenty for people typing codes, far too few to guess one. */
export const codeLookupLimit: LimitRule = { limit: 30, windowSeconds: 60 };

const sessionLink = (appUrl: string, session: SessionRow) => `${appUrl}/c/${session.shareCode}`;

// Static paths (nearby, friends, code, passes) are registered before `/{id}`: Hono tries routes in order.
export const coworkingRoutes = createRouter()
  .openapi(createSessionRoute, async (c) => {
    const session = await createSession(c.var.db, currentUserId(c), c.req.valid('json'));
    // The object arms a scheduled start now; a session the host starts needs nothing more.
    await coworkingObject(c.env, session.id).setup(setupOf(session));
    return c.json(toPublicSession(session), 201);
  })
  .openapi(listMySessionsRoute, async (c) => {
    return c.json(await listMySessions(c.var.db, currentUserId(c), c.req.valid('query')), 200);
  })
  .openapi(nearbySessionsRoute, async (c) => {
    const { lat, lng, radius, limit } = c.req.valid('query');
    return c.json({ items: await nearbySessions(c.var.db, { lat, lng }, radius, limit, currentUserId(c)) }, 200);
  })
  .openapi(friendsSessionsRoute, async (c) => {
    return c.json({ items: await friendsSessions(c.var.db, currentUserId(c)) }, 200);
  })
  .openapi(sessionByCodeRoute, async (c) => {
    const userId = currentUserId(c);
    await enforceLimit(c.env, `coworking:code:${userId}`, codeLookupLimit, 'share-code look-ups');
    const visible = await sessionByCode(c.var.db, userId, c.req.valid('param').shareCode);
    return c.json(await detailsWithTimer(c.env, c.var.db, visible), 200);
  })
  .openapi(passesRoute, async (c) => {
    return c.json(await passesOf(c.var.db, currentUserId(c), c.var.config.remotePassesInitial), 200);
  })
  .openapi(getSessionRoute, async (c) => {
    const visible = await visibleSession(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.json(await detailsWithTimer(c.env, c.var.db, visible), 200);
  })
  .openapi(joinSessionRoute, async (c) => {
    const result = await joinSession(
      c.var.db,
      c.var.config,
      currentUserId(c),
      c.req.valid('param').id,
      c.req.valid('json'),
    );
    const body = {
      session: toPublicSession(result.session),
      participation: toPublicParticipation(result.participation),
    };
    return result.joined ? c.json(body, 201) : c.json(body, 200);
  })
  .openapi(leaveSessionRoute, async (c) => {
    await leaveSession(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(inviteRoute, async (c) => {
    const userId = currentUserId(c);
    const { session } = await visibleSession(c.var.db, userId, c.req.valid('param').id);
    if (session.hostId !== userId) throw new AppError('forbidden', 'Only the host can invite people.');
    if (session.phase === 'ended') throw new AppError('session_ended', 'This session has ended.');
    const host = await findUserById(c.var.db, userId);
    // Nobody hidden from the host by a block, either way, is sent anything: like an unknown id, skipped.
    const hidden = await hiddenFrom(c.var.db, userId);
    const invitees = (await inviteesAmong(c.var.db, c.req.valid('json').userIds)).filter(({ id }) => !hidden.has(id));
    const link = sessionLink(c.var.config.appUrl, session);
    const when = session.startsAt ? ` It starts at ${session.startsAt.toISOString()} (UTC).` : '';
    const text = `${host ? displayName(host) : 'Someone'} invites you to cowork on Hearth: "${session.title}", ${session.durationMinutes} minutes.${when} Join: ${link}`;
    let invited = 0;
    for (const invitee of invitees) {
      const channel = invitee.email ? 'email' : invitee.phone ? 'sms' : null;
      const to = invitee.email ?? invitee.phone;
      if (channel === null || to === null) continue;
      await senderFor(c.env, c.var.config, c.var.db, channel).send({
        channel,
        to,
        subject: channel === 'email' ? `Cowork with me: ${session.title}` : undefined,
        text,
      });
      invited++;
    }
    await countInvites(c.var.db, session.id, invited);
    return c.json({ invited }, 200);
  })
  .openapi(calendarRoute, async (c) => {
    const { session } = await visibleSession(c.var.db, currentUserId(c), c.req.valid('param').id);
    const start = session.startedAt ?? session.startsAt ?? session.createdAt;
    const end = session.endsAt ?? new Date(start.getTime() + session.durationMinutes * 60_000);
    const link = sessionLink(c.var.config.appUrl, session);
    const ics = calendarOf({
      uid: `${session.id}@${new URL(c.var.config.appUrl).hostname}`,
      stamp: now(),
      start,
      end,
      summary: session.title,
      description: `${session.plan ? `${session.plan}\n\n` : ''}Join on Hearth: ${link}`,
      url: link,
      geo: session.lat !== null && session.lng !== null ? { lat: session.lat, lng: session.lng } : undefined,
    });
    return c.body(ics, 200, {
      'Content-Type': 'text/calendar; charset=utf-8',
      'Content-Disposition': `attachment; filename="hearth-session-${session.id}.ics"`,
    });
  });
