import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import { issueTicket } from '../../realtime/ticket';
import { participantsOf, visibleSession } from './coworking.service';
import { controlAnswer, coworkingObject, markRemoved, setupOf } from './live';
import { controlRoutes, extendRoute, handOverRoute, removeParticipantRoute, sessionTicketRoute } from './live.routes';

/** The session as the host sees it; a refusal for anyone else in it, a 404 for anyone outside. */
async function hostedSession(c: Context<AppEnv>, id: string) {
  const visible = await visibleSession(c.var.db, currentUserId(c), id);
  if (visible.session.phase === 'ended') throw new AppError('session_ended', 'This session has ended.');
  // Creation set the object up; the controls hand it the setup too, used only if that was lost.
  return { ...visible, object: coworkingObject(c.env, visible.session.id), setup: setupOf(visible.session) };
}

/**
 * The live side of a session over REST: the socket ticket, the host's timer
 * controls (the same as the socket's `control` frames), hand-over and removal.
 * The timer itself is the session's Durable Object; D1 follows it.
 */
export const coworkingControls = createRouter()
  .openapi(sessionTicketRoute, async (c) => {
    const userId = currentUserId(c);
    const { session, participation } = await visibleSession(c.var.db, userId, c.req.valid('param').id);
    if (session.phase === 'ended') throw new AppError('session_ended', 'This session has ended.');
    const inIt =
      participation !== null &&
      participation.removedAt === null &&
      (participation.leftAt === null || participation.mode === 'host');
    if (!inIt) throw new AppError('forbidden', 'Join the session first: POST /api/coworking/sessions/:id/join.');
    const { ticket } = issueTicket(
      c.var.config.secrets.URL_SIGNING_KEYS,
      { kind: 'coworking', target: session.id, userId, sessionId: c.var.sessionId ?? '' },
      now().getTime(),
    );
    const url = new URL(`/api/coworking/sessions/${session.id}/ws`, c.var.config.appUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    c.header('Cache-Control', 'no-store');
    return c.json({ ticket, url: url.toString() }, 200);
  })
  .openapi(extendRoute, async (c) => {
    const { object, setup } = await hostedSession(c, c.req.valid('param').id);
    const result = await object.control(currentUserId(c), 'extend', c.req.valid('json').minutes, setup);
    return c.json(controlAnswer(result), 200);
  })
  .openapi(handOverRoute, async (c) => {
    const { session, object, setup } = await hostedSession(c, c.req.valid('param').id);
    const { userId } = c.req.valid('json');
    if (session.hostId !== currentUserId(c)) throw new AppError('forbidden', 'Only the host can hand over.');
    if (userId === session.hostId) throw new AppError('conflict', 'You are the host already.');
    const to = (await participantsOf(c.var.db, session.id)).find(
      (participant) => participant.userId === userId && participant.leftAt === null,
    );
    if (!to) throw new AppError('not_found', 'They are not in this session.');
    controlAnswer(await object.handOver(currentUserId(c), { userId, name: to.name }, setup));
    return c.json({ hostId: userId }, 200);
  })
  .openapi(removeParticipantRoute, async (c) => {
    const { id, userId } = c.req.valid('param');
    const { session, object } = await hostedSession(c, id);
    if (session.hostId !== currentUserId(c)) throw new AppError('forbidden', 'Only the host can remove people.');
    if (userId === session.hostId) throw new AppError('conflict', 'The host cannot be removed; hand over first.');
    if (!(await markRemoved(c.var.db, session.id, userId, now()))) {
      throw new AppError('not_found', 'They are not in this session.');
    }
    await object.removeParticipant(userId);
    return c.body(null, 204);
  });

for (const { action, route } of controlRoutes) {
  coworkingControls.openapi(route, async (c) => {
    const { object, setup } = await hostedSession(c, c.req.valid('param').id);
    return c.json(controlAnswer(await object.control(currentUserId(c), action, undefined, setup)), 200);
  });
}
