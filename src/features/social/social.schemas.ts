import { z } from '@hono/zod-openapi';

// The shapes the friends, blocks and reports routes answer with. The web app's
// types are inferred from these (type-only imports), so this module imports nothing else.

const UserId = z.string().min(1).max(64);
const Iso = z.string().openapi({ format: 'date-time' });

export const REPORT_REASONS = ['spam', 'harassment', 'inappropriate', 'other'] as const;
export const REPORT_ACTIONS = ['none', 'warn', 'remove_from_session', 'deactivate'] as const;

export const FriendEntrySchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    since: Iso.openapi({ description: 'When you became friends, or when the request was sent.' }),
  })
  .openapi('FriendEntry');

export const FriendListsSchema = z
  .object({
    friends: z.array(FriendEntrySchema),
    incoming: z.array(FriendEntrySchema).openapi({ description: 'Requests waiting for your answer.' }),
    outgoing: z.array(FriendEntrySchema).openapi({ description: 'Requests you sent that wait for theirs.' }),
  })
  .openapi('FriendLists');

export const FriendTargetSchema = z.strictObject({ userId: UserId }).openapi('FriendTarget');

export const FriendRequestResultSchema = z
  .object({
    user: z.object({ id: z.string(), name: z.string() }),
    status: z
      .enum(['requested', 'friends'])
      .openapi({ description: '`friends` when they had already asked you: crossing requests become one friendship.' }),
  })
  .openapi('FriendRequestResult');

export const UserIdParam = z.object({ userId: UserId });

export const FriendInviteSchema = z
  .object({
    url: z.string().openapi({ description: 'The link to share: whoever opens it, signed in, becomes your friend.' }),
    token: z.string(),
    expiresAt: Iso,
  })
  .openapi('FriendInvite');

export const FriendInviteTokenSchema = z
  .strictObject({ token: z.string().min(1).max(2048) })
  .openapi('FriendInviteAccept');

export const FriendEmailInviteSchema = z.object({ invited: z.string(), expiresAt: Iso }).openapi('FriendEmailInvite', {
  description: 'An invite link was emailed. The answer is the same whether or not the address has an account.',
});

export const BlockedUserSchema = z
  .object({ userId: z.string(), name: z.string(), blockedAt: Iso })
  .openapi('BlockedUser');

export const CreateReportSchema = z
  .strictObject({
    userId: UserId.openapi({ description: 'The person reported.' }),
    sessionId: UserId.optional().openapi({ description: 'The coworking session it happened in (one you were in).' }),
    roomId: UserId.optional().openapi({ description: 'The chat room it happened in (one you are a member of).' }),
    messageId: UserId.optional().openapi({
      description: 'Their message, in `roomId` or `sessionId`: its text is kept with the report.',
    }),
    reason: z.enum(REPORT_REASONS),
    details: z.string().trim().max(2000).optional(),
  })
  .openapi('ReportCreate');

export const ReportSchema = z
  .object({
    id: z.string(),
    reporter: z.object({ id: z.string(), name: z.string() }),
    reported: z
      .object({ id: z.string(), name: z.string() })
      .nullable()
      .openapi({ description: 'Null when the reported account was deleted since.' }),
    sessionId: z.string().nullable(),
    roomId: z.string().nullable(),
    messageId: z.string().nullable(),
    messageText: z
      .string()
      .nullable()
      .openapi({ description: 'The reported message as it was when the report was filed.' }),
    reason: z.enum(REPORT_REASONS),
    details: z.string().nullable(),
    status: z.enum(['open', 'resolved']),
    action: z.enum(REPORT_ACTIONS).nullable(),
    note: z.string().nullable(),
    handledBy: z.string().nullable(),
    handledAt: Iso.nullable(),
    createdAt: Iso,
  })
  .openapi('Report');

export const FiledReportSchema = z
  .object({ id: z.string(), status: z.literal('open'), createdAt: Iso })
  .openapi('FiledReport');

export const ReportListQuerySchema = z.object({
  status: z.enum(['open', 'resolved']).optional(),
});

export const ReportDecisionSchema = z
  .strictObject({
    status: z.enum(['open', 'resolved']),
    action: z.enum(REPORT_ACTIONS).default('none').openapi({
      description:
        '`warn` sends the reported person a message; `remove_from_session` removes them from the report’s session for good; `deactivate` deactivates their account (needs `users.manage` too).',
    }),
    note: z.string().trim().max(2000).optional(),
  })
  .openapi('ReportDecision');

/** The social part of `GET /api/users/me/export`. */
export const SocialExportShape = {
  friends: z.array(z.object({ userId: z.string(), status: z.enum(['friends', 'incoming', 'outgoing']), since: Iso })),
  blocks: z.array(z.object({ userId: z.string(), blockedAt: Iso })),
  reports: z.array(
    z.object({
      id: z.string(),
      reportedId: z.string().nullable(),
      sessionId: z.string().nullable(),
      roomId: z.string().nullable(),
      messageId: z.string().nullable(),
      reason: z.enum(REPORT_REASONS),
      details: z.string().nullable(),
      status: z.enum(['open', 'resolved']),
      createdAt: Iso,
    }),
  ),
};
