import { and, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client';
import { coworkingParticipants, messages, type reportActions, reports, roomMembers, users } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import { coworkingObject } from '../coworking/live';
import { displayName, roomObject } from '../rooms/rooms.service';
import { otherPerson } from './people';

export type ReportRow = typeof reports.$inferSelect;
export type ReportAction = (typeof reportActions)[number];

export interface NewReport {
  userId: string;
  sessionId?: string;
  roomId?: string;
  messageId?: string;
  reason: ReportRow['reason'];
  details?: string;
}

/** A message as a report keeps it: its text, copied when the report is filed. */
type FoundMessage = { authorId: string; text: string } | null;

/**
 * The reported message, from where it lives: the room's object while it holds
 * it, else the room's D1 archive; a coworking session's chat only ever lives
 * in its object. 404 when it is in neither (or was deleted: its text is gone).
 */
async function findMessage(env: Env, db: Database, input: NewReport, messageId: string): Promise<FoundMessage> {
  if (input.roomId) {
    const live = await roomObject(env, input.roomId).reportedMessage(messageId);
    if (live) return live;
    const [archived] = await db
      .select({ authorId: messages.authorId, text: messages.text })
      .from(messages)
      .where(and(eq(messages.roomId, input.roomId), eq(messages.id, messageId), sql`${messages.deletedAt} IS NULL`))
      .limit(1);
    return archived ?? null;
  }
  if (input.sessionId) return coworkingObject(env, input.sessionId).reportedMessage(messageId);
  return null;
}

/**
 * Files a report. Where it happened must be a place the reporter was: a room
 * they are a member of, a session they were in (404 otherwise, like a place
 * that does not exist). A named message must be the reported person's own;
 * its text is copied into the report so it survives the room deleting it.
 */
export async function fileReport(env: Env, db: Database, reporterId: string, input: NewReport): Promise<ReportRow> {
  await otherPerson(db, reporterId, input.userId, 'report');
  if (input.messageId && !input.roomId && !input.sessionId) {
    throw new AppError('validation_failed', 'The request is not valid; see errors.', {
      errors: [{ path: 'body.messageId', message: 'Name the roomId or sessionId it was sent in', code: 'custom' }],
    });
  }
  if (input.roomId) {
    const [member] = await db
      .select({ userId: roomMembers.userId })
      .from(roomMembers)
      .where(and(eq(roomMembers.roomId, input.roomId), eq(roomMembers.userId, reporterId)))
      .limit(1);
    if (!member) throw new AppError('not_found', 'No such room.');
  }
  if (input.sessionId) {
    const [participant] = await db
      .select({ userId: coworkingParticipants.userId })
      .from(coworkingParticipants)
      .where(and(eq(coworkingParticipants.sessionId, input.sessionId), eq(coworkingParticipants.userId, reporterId)))
      .limit(1);
    if (!participant) throw new AppError('not_found', 'No such session.');
  }
  let messageText: string | null = null;
  if (input.messageId) {
    const found = await findMessage(env, db, input, input.messageId);
    if (!found) throw new AppError('not_found', 'No such message.');
    if (found.authorId !== input.userId) throw new AppError('bad_request', 'That message is not theirs.');
    messageText = found.text;
  }
  const row: ReportRow = {
    id: newId(),
    reporterId,
    reportedId: input.userId,
    sessionId: input.sessionId ?? null,
    roomId: input.roomId ?? null,
    messageId: input.messageId ?? null,
    messageText,
    reason: input.reason,
    details: input.details ?? null,
    status: 'open',
    action: null,
    note: null,
    handledBy: null,
    handledAt: null,
    createdAt: now(),
  };
  await db.insert(reports).values(row);
  return row;
}

export interface PublicReport {
  id: string;
  reporter: { id: string; name: string };
  /** Null when the reported account was deleted since. */
  reported: { id: string; name: string } | null;
  sessionId: string | null;
  roomId: string | null;
  messageId: string | null;
  messageText: string | null;
  reason: ReportRow['reason'];
  details: string | null;
  status: ReportRow['status'];
  action: ReportAction | null;
  note: string | null;
  handledBy: string | null;
  handledAt: string | null;
  createdAt: string;
}

const reporter = alias(users, 'reporter');
const reported = alias(users, 'reported');

const reportSelection = {
  report: reports,
  reporterName: reporter.name,
  reporterEmail: reporter.email,
  reportedName: reported.name,
  reportedEmail: reported.email,
};

function toPublicReport(row: {
  report: ReportRow;
  reporterName: string | null;
  reporterEmail: string | null;
  reportedName: string | null;
  reportedEmail: string | null;
}): PublicReport {
  const { report } = row;
  return {
    id: report.id,
    reporter: { id: report.reporterId, name: displayName({ name: row.reporterName, email: row.reporterEmail }) },
    reported:
      report.reportedId === null
        ? null
        : { id: report.reportedId, name: displayName({ name: row.reportedName, email: row.reportedEmail }) },
    sessionId: report.sessionId,
    roomId: report.roomId,
    messageId: report.messageId,
    messageText: report.messageText,
    reason: report.reason,
    details: report.details,
    status: report.status,
    action: report.action,
    note: report.note,
    handledBy: report.handledBy,
    handledAt: report.handledAt?.toISOString() ?? null,
    createdAt: report.createdAt.toISOString(),
  };
}

function reportQuery(db: Database) {
  return db
    .select(reportSelection)
    .from(reports)
    .innerJoin(reporter, eq(reporter.id, reports.reporterId))
    .leftJoin(reported, eq(reported.id, reports.reportedId));
}

/** Reports newest first, optionally only open or resolved ones. */
export async function listReports(
  db: Database,
  query: PageQuery & { status?: ReportRow['status'] },
): Promise<Page<PublicReport>> {
  const keys = keyset(reports.id, query);
  const rows = await reportQuery(db)
    .where(and(query.status ? eq(reports.status, query.status) : undefined, keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const page = toPage(rows, query, (row) => row.report.id);
  return { items: page.items.map(toPublicReport), nextCursor: page.nextCursor };
}

export async function reportById(db: Database, id: string): Promise<PublicReport> {
  const [row] = await reportQuery(db).where(eq(reports.id, id)).limit(1);
  if (!row) throw new AppError('not_found', 'No such report.');
  return toPublicReport(row);
}

/** Records a moderator's decision on a report. */
export async function recordDecision(
  db: Database,
  id: string,
  moderatorId: string,
  decision: { status: ReportRow['status']; action: ReportAction; note?: string },
): Promise<PublicReport> {
  const updated = await db
    .update(reports)
    .set({
      status: decision.status,
      action: decision.action,
      note: decision.note ?? null,
      handledBy: moderatorId,
      handledAt: now(),
    })
    .where(eq(reports.id, id))
    .returning({ id: reports.id });
  if (updated.length === 0) throw new AppError('not_found', 'No such report.');
  return reportById(db, id);
}

/** A report's raw row, for the moderator's action. */
export async function reportRow(db: Database, id: string): Promise<ReportRow> {
  const [row] = await db.select().from(reports).where(eq(reports.id, id)).limit(1);
  if (!row) throw new AppError('not_found', 'No such report.');
  return row;
}
