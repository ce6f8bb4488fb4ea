import { asc, eq, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { blocks, friendships, reports } from '../../db/schema';

export interface SocialExport {
  /** Friendships and pending requests, with the other person's id. */
  friends: { userId: string; status: 'friends' | 'incoming' | 'outgoing'; since: string }[];
  /** The people the user blocked (blocks by others are theirs, not the user's). */
  blocks: { userId: string; blockedAt: string }[];
  /** Reports the user filed; the reported message's text is the other person's and is left out. */
  reports: {
    id: string;
    reportedId: string | null;
    sessionId: string | null;
    roomId: string | null;
    messageId: string | null;
    reason: 'spam' | 'harassment' | 'inappropriate' | 'other';
    details: string | null;
    status: 'open' | 'resolved';
    createdAt: string;
  }[];
}

/** The social part of the account export (GDPR Art. 15 and 20). */
export async function socialExportOf(db: Database, userId: string): Promise<SocialExport> {
  const [friendRows, blockRows, reportRows] = await Promise.all([
    db
      .select({
        otherId: sql<string>`CASE WHEN ${friendships.userLow} = ${userId} THEN ${friendships.userHigh} ELSE ${friendships.userLow} END`,
        status: friendships.status,
        requesterId: friendships.requesterId,
        createdAt: friendships.createdAt,
        acceptedAt: friendships.acceptedAt,
      })
      .from(friendships)
      .where(or(eq(friendships.userLow, userId), eq(friendships.userHigh, userId)))
      .orderBy(asc(friendships.createdAt)),
    db
      .select({ userId: blocks.blockedId, createdAt: blocks.createdAt })
      .from(blocks)
      .where(eq(blocks.blockerId, userId))
      .orderBy(asc(blocks.createdAt)),
    db
      .select({
        id: reports.id,
        reportedId: reports.reportedId,
        sessionId: reports.sessionId,
        roomId: reports.roomId,
        messageId: reports.messageId,
        reason: reports.reason,
        details: reports.details,
        status: reports.status,
        createdAt: reports.createdAt,
      })
      .from(reports)
      .where(eq(reports.reporterId, userId))
      .orderBy(asc(reports.id)),
  ]);
  return {
    friends: friendRows.map((row) => ({
      userId: row.otherId,
      status: row.status === 'accepted' ? 'friends' : row.requesterId === userId ? 'outgoing' : 'incoming',
      since: (row.acceptedAt ?? row.createdAt).toISOString(),
    })),
    blocks: blockRows.map((row) => ({ userId: row.userId, blockedAt: row.createdAt.toISOString() })),
    reports: reportRows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
  };
}
