import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { enforceLimit, type LimitRule } from '../../limiter';
import { currentUserId, hasPermission } from '../../middleware/auth';
import { updateUserAsAdmin } from '../admin/admin.service';
import { type AuditAction, audit } from '../audit/audit.service';
import { coworkingObject, markRemoved } from '../coworking/live';
import { senderFor } from '../notify/senders';
import { displayName } from '../rooms/rooms.service';
import { findUserById } from '../users/users.service';
import { block, blockedList, syncBlocksToRooms, unblock } from './blocks.service';
import { acceptFriendInvite, createFriendInvite, emailFriendInvite, readFriendInvite } from './friend-invites';
import {
  acceptFriend,
  cancelFriendRequest,
  declineFriend,
  friendListsOf,
  removeFriend,
  requestFriend,
} from './friends.service';
import { otherPerson } from './people';
import {
  fileReport,
  listReports,
  type ReportAction,
  type ReportRow,
  recordDecision,
  reportRow,
} from './reports.service';
import {
  acceptFriendInviteRoute,
  acceptFriendRoute,
  blockRoute,
  cancelFriendRoute,
  decideReportRoute,
  declineFriendRoute,
  fileReportRoute,
  friendInviteEmailRoute,
  friendInviteLinkRoute,
  listBlocksRoute,
  listFriendsRoute,
  listReportsRoute,
  removeFriendRoute,
  requestFriendRoute,
  unblockRoute,
} from './social.routes';

export { blockedBetween } from './blocks.service';
export { friendIdsOf } from './friends.service';

/** Reports per account: plenty for someone being harassed, too few to flood the moderators. */
export const reportLimit: LimitRule = { limit: 10, windowSeconds: 60 * 60 };

const ACTION_AUDIT: Record<ReportAction, AuditAction> = {
  none: 'admin.report_update',
  warn: 'admin.report_warn',
  remove_from_session: 'admin.report_remove',
  deactivate: 'admin.report_deactivate',
};

type SocialContext = Parameters<Parameters<typeof socialRoutes.openapi>[1]>[0];

/** Does what a moderator decided to the reported person; throws before anything is recorded when it cannot. */
async function carryOut(c: SocialContext, report: ReportRow, action: ReportAction): Promise<void> {
  if (action === 'none') return;
  const reportedId = report.reportedId;
  if (reportedId === null) throw new AppError('conflict', 'The reported account was deleted: nothing to act on.');
  if (action === 'warn') {
    const user = await findUserById(c.var.db, reportedId);
    const channel = user?.email ? 'email' : user?.phone ? 'sms' : null;
    const to = user?.email ?? user?.phone;
    if (!channel || !to) throw new AppError('conflict', 'They have no email or phone to warn them at.');
    await senderFor(c.env, c.var.config, c.var.db, channel).send({
      channel,
      to,
      subject: channel === 'email' ? 'A warning from the Hearth moderators' : undefined,
      text: `Someone reported your behaviour on Hearth (${report.reason}), and a moderator agreed. Please keep to the community rules; further reports may end your access.`,
    });
    return;
  }
  if (action === 'remove_from_session') {
    if (report.sessionId === null) throw new AppError('conflict', 'This report names no session.');
    const removed = await markRemoved(c.var.db, report.sessionId, reportedId, now());
    if (!removed) throw new AppError('conflict', 'They are not in that session (or were removed already).');
    await coworkingObject(c.env, report.sessionId).removeParticipant(reportedId);
    return;
  }
  if (!(await hasPermission(c, 'users.manage'))) {
    throw new AppError('forbidden', 'Deactivating an account needs the users.manage permission.');
  }
  const result = await updateUserAsAdmin(c.var.db, c.env.KV, currentUserId(c), reportedId, { status: 'deactivated' });
  if (result.statusChanged) {
    await audit(c, {
      action: 'admin.user_update',
      targetType: 'user',
      targetId: reportedId,
      details: { status: result.user.status, reportId: report.id },
    });
  }
}

export const socialRoutes = createRouter()
  .openapi(listFriendsRoute, async (c) => {
    return c.json(await friendListsOf(c.var.db, currentUserId(c)), 200);
  })
  .openapi(requestFriendRoute, async (c) => {
    return c.json(await requestFriend(c.var.db, currentUserId(c), c.req.valid('json').userId), 202);
  })
  .openapi(acceptFriendRoute, async (c) => {
    return c.json(await acceptFriend(c.var.db, currentUserId(c), c.req.valid('json').userId), 200);
  })
  .openapi(declineFriendRoute, async (c) => {
    await declineFriend(c.var.db, currentUserId(c), c.req.valid('json').userId);
    return c.body(null, 204);
  })
  .openapi(cancelFriendRoute, async (c) => {
    await cancelFriendRequest(c.var.db, currentUserId(c), c.req.valid('json').userId);
    return c.body(null, 204);
  })
  .openapi(removeFriendRoute, async (c) => {
    await removeFriend(c.var.db, currentUserId(c), c.req.valid('param').userId);
    return c.body(null, 204);
  })
  .openapi(friendInviteLinkRoute, async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(createFriendInvite(c.var.config, currentUserId(c), now().getTime()), 201);
  })
  .openapi(acceptFriendInviteRoute, async (c) => {
    const inviterId = readFriendInvite(c.var.config, c.req.valid('json').token, now().getTime());
    return c.json(await acceptFriendInvite(c.var.db, currentUserId(c), inviterId), 200);
  })
  .openapi(friendInviteEmailRoute, async (c) => {
    const inviterId = currentUserId(c);
    const { email } = c.req.valid('json');
    const link = createFriendInvite(c.var.config, inviterId, now().getTime());
    const inviter = await findUserById(c.var.db, inviterId);
    await emailFriendInvite(c.env, c.var.config, c.var.db, {
      inviterId,
      inviterName: inviter ? displayName(inviter) : 'Someone',
      email,
      link,
    });
    return c.json({ invited: email, expiresAt: link.expiresAt }, 202);
  })
  .openapi(listBlocksRoute, async (c) => {
    return c.json({ items: await blockedList(c.var.db, currentUserId(c)) }, 200);
  })
  .openapi(blockRoute, async (c) => {
    const userId = currentUserId(c);
    const other = await otherPerson(c.var.db, userId, c.req.valid('param').id, 'block');
    await block(c.var.db, userId, other.id);
    await syncBlocksToRooms(c.env, c.var.db, userId, other.id);
    return c.body(null, 204);
  })
  .openapi(unblockRoute, async (c) => {
    const userId = currentUserId(c);
    const other = await otherPerson(c.var.db, userId, c.req.valid('param').id, 'block');
    await unblock(c.var.db, userId, other.id);
    await syncBlocksToRooms(c.env, c.var.db, userId, other.id);
    return c.body(null, 204);
  })
  .openapi(fileReportRoute, async (c) => {
    const userId = currentUserId(c);
    await enforceLimit(c.env, `reports:${userId}`, reportLimit, 'reports');
    const report = await fileReport(c.env, c.var.db, userId, c.req.valid('json'));
    await audit(c, {
      action: 'report.create',
      targetType: 'user',
      targetId: report.reportedId,
      details: { reportId: report.id, reason: report.reason },
    });
    return c.json({ id: report.id, status: 'open' as const, createdAt: report.createdAt.toISOString() }, 201);
  })
  .openapi(listReportsRoute, async (c) => {
    return c.json(await listReports(c.var.db, c.req.valid('query')), 200);
  })
  .openapi(decideReportRoute, async (c) => {
    const { id } = c.req.valid('param');
    const decision = c.req.valid('json');
    const report = await reportRow(c.var.db, id);
    await carryOut(c, report, decision.action);
    const updated = await recordDecision(c.var.db, id, currentUserId(c), decision);
    await audit(c, {
      action: ACTION_AUDIT[decision.action],
      targetType: 'report',
      targetId: id,
      details: { action: decision.action, status: decision.status, reportedId: report.reportedId },
    });
    return c.json(updated, 200);
  });
