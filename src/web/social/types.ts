// Response bodies of the friends, blocks and reports routes (src/features/social/social.routes.ts),
// inferred from their zod schemas like src/web/types.ts: type-only imports, so no server code reaches
// the bundle, and a field renamed or retyped there fails `tsc -p src/web/tsconfig.json` here.

import type { z } from '@hono/zod-openapi';
import type {
  BlockedUserSchema,
  CreateReportSchema,
  FiledReportSchema,
  FriendEmailInviteSchema,
  FriendEntrySchema,
  FriendInviteSchema,
  FriendListsSchema,
  FriendRequestResultSchema,
  REPORT_ACTIONS,
  REPORT_REASONS,
  ReportDecisionSchema,
  ReportListQuerySchema,
  ReportSchema,
} from '../../features/social/social.schemas';

/** `GET /api/friends`: friends, requests waiting for your answer, and the ones you sent. */
export type FriendLists = z.output<typeof FriendListsSchema>;
export type FriendEntry = z.output<typeof FriendEntrySchema>;
/** `POST /api/friends/request`: `friends` at once when they had already asked you. */
export type FriendRequestResult = z.output<typeof FriendRequestResultSchema>;
/** `POST /api/friends/invite-link`: a personal link that makes whoever opens it your friend. */
export type FriendInvite = z.output<typeof FriendInviteSchema>;
/** `POST /api/friends/invite-email`: the same answer whether or not the address has an account. */
export type FriendEmailInvite = z.output<typeof FriendEmailInviteSchema>;
/** One row of `GET /api/users/me/blocks`. */
export type BlockedUser = z.output<typeof BlockedUserSchema>;
/** What `POST /api/reports` takes, and answers. */
export type ReportCreate = z.input<typeof CreateReportSchema>;
export type FiledReport = z.output<typeof FiledReportSchema>;
export type ReportReason = (typeof REPORT_REASONS)[number];
export type ReportAction = (typeof REPORT_ACTIONS)[number];
/** One report in the moderators' queue (`GET /api/admin/reports`). */
export type Report = z.output<typeof ReportSchema>;
export type ReportStatus = Report['status'];
export type ReportListQuery = z.input<typeof ReportListQuerySchema>;
/** What `PATCH /api/admin/reports/:id` takes. */
export type ReportDecision = z.input<typeof ReportDecisionSchema>;
