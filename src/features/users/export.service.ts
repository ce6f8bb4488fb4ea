import { asc, eq, or } from 'drizzle-orm';
import type { Database } from '../../db/client';
import {
  auditLog,
  coworkingParticipants,
  coworkingSessions,
  files,
  messages,
  oauthAccounts,
  remotePassLedger,
  roles,
  roomMembers,
  rooms,
  sessions,
  shares,
  sprints,
  userActivityDays,
  userBadges,
  userRoles,
} from '../../db/schema';
import { now } from '../../lib/clock';
import { aiExportOf } from '../ai/ai.service';
import { type SocialExport, socialExportOf } from '../social/social-export';
import { accessOf } from './user-access';
import { findUserById, type PublicUser, toPublicUser } from './users.service';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export interface UserExport extends SocialExport, Awaited<ReturnType<typeof aiExportOf>> {
  exportedAt: string;
  profile: PublicUser;
  roles: { id: string; name: string; grantedAt: string; grantedBy: string | null }[];
  sessions: {
    id: string;
    client: 'web' | 'native';
    deviceLabel: string | null;
    userAgent: string | null;
    ip: string | null;
    createdAt: string;
    lastUsedAt: string;
    expiresAt: string;
    revokedAt: string | null;
    revokedReason: string | null;
  }[];
  oauthAccounts: { provider: string; subject: string; email: string | null; createdAt: string }[];
  files: { id: string; name: string; size: number; contentType: string; sha256: string | null; createdAt: string }[];
  shares: {
    id: string;
    fileId: string;
    createdAt: string;
    expiresAt: string | null;
    maxDownloads: number | null;
    downloads: number;
    hasPassword: boolean;
    revokedAt: string | null;
  }[];
  rooms: { id: string; name: string; visibility: 'public' | 'private'; role: 'owner' | 'member'; joinedAt: string }[];
  /** Every chat message the user wrote, from the archive (a message reaches it about a second after it is sent). */
  messages: { roomId: string; id: string; text: string; sentAt: string; editedAt: string | null; deleted: boolean }[];
  /** Coworking sessions the user hosts. */
  coworkingSessions: {
    id: string;
    title: string;
    durationMinutes: number;
    visibility: 'public' | 'private';
    plan: string | null;
    startsAt: string | null;
    lat: number | null;
    lng: number | null;
    capacity: number;
    shareCode: string;
    phase: 'lobby' | 'running' | 'paused' | 'ended';
    startedAt: string | null;
    endedAt: string | null;
    createdAt: string;
  }[];
  /** Every coworking session the user is or was in, hosted ones included (no location is ever kept). */
  coworkingParticipations: {
    sessionId: string;
    mode: 'host' | 'in_person' | 'remote';
    joinedAt: string;
    leftAt: string | null;
    removedAt: string | null;
    minutesPresent: number;
  }[];
  /** The user's remote-pass ledger: the initial passes, admins' grants, one spend per remote join. */
  remotePassLedger: {
    id: string;
    delta: number;
    reason: 'initial' | 'grant' | 'spend';
    sessionId: string | null;
    actorId: string | null;
    createdAt: string;
  }[];
  /** Focused time: solo sprints and the user's part in coworking sessions. */
  sprints: {
    id: string;
    kind: 'solo' | 'session';
    sessionId: string | null;
    goal: string | null;
    plannedMinutes: number;
    startedAt: string;
    endedAt: string | null;
    status: 'running' | 'completed' | 'abandoned' | 'expired';
    creditedMinutes: number;
    localDate: string | null;
    done: boolean | null;
  }[];
  /** Badges earned, with when. */
  badges: { badgeId: string; awardedAt: string }[];
  /** The days (UTC) the account was active, and what it did first that day: what the metrics count. */
  activityDays: { day: string; firstKind: string }[];
  auditEvents: {
    id: string;
    at: string;
    action: string;
    outcome: 'success' | 'failure';
    actorId: string | null;
    targetType: string | null;
    targetId: string | null;
    ip: string | null;
    userAgent: string | null;
    details: Record<string, unknown> | null;
  }[];
}

/**
 * Everything Hearth holds about a user (GDPR Art. 15 and 20), as data the
 * user can read. Secrets are left out by naming each exported column: no
 * password hash, no refresh-token hashes, no one-time token hashes.
 */
export async function exportUserData(db: Database, userId: string): Promise<UserExport | null> {
  const user = await findUserById(db, userId);
  if (!user) return null;
  const [
    access,
    roleRows,
    sessionRows,
    oauthRows,
    auditRows,
    fileRows,
    shareRows,
    roomRows,
    messageRows,
    hostedRows,
    participationRows,
    ledgerRows,
    sprintRows,
    badgeRows,
    activityRows,
  ] = await Promise.all([
    accessOf(db, userId),
    db
      .select({ id: roles.id, name: roles.name, grantedAt: userRoles.grantedAt, grantedBy: userRoles.grantedBy })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(eq(userRoles.userId, userId))
      .orderBy(asc(roles.name)),
    db
      .select({
        id: sessions.id,
        client: sessions.client,
        deviceLabel: sessions.deviceLabel,
        userAgent: sessions.userAgent,
        ip: sessions.ip,
        createdAt: sessions.createdAt,
        lastUsedAt: sessions.lastUsedAt,
        expiresAt: sessions.expiresAt,
        revokedAt: sessions.revokedAt,
        revokedReason: sessions.revokedReason,
      })
      .from(sessions)
      .where(eq(sessions.userId, userId))
      .orderBy(asc(sessions.createdAt)),
    db
      .select({
        provider: oauthAccounts.provider,
        subject: oauthAccounts.subject,
        email: oauthAccounts.email,
        createdAt: oauthAccounts.createdAt,
      })
      .from(oauthAccounts)
      .where(eq(oauthAccounts.userId, userId))
      .orderBy(asc(oauthAccounts.createdAt)),
    db
      .select()
      .from(auditLog)
      .where(or(eq(auditLog.actorId, userId), eq(auditLog.targetId, userId)))
      .orderBy(asc(auditLog.id)),
    db
      .select({
        id: files.id,
        name: files.name,
        size: files.size,
        contentType: files.contentType,
        sha256: files.sha256,
        createdAt: files.createdAt,
      })
      .from(files)
      .where(eq(files.ownerId, userId))
      .orderBy(asc(files.id)),
    db
      .select({
        id: shares.id,
        fileId: shares.fileId,
        createdAt: shares.createdAt,
        expiresAt: shares.expiresAt,
        maxDownloads: shares.maxDownloads,
        downloads: shares.downloads,
        passwordHash: shares.passwordHash,
        revokedAt: shares.revokedAt,
      })
      .from(shares)
      .where(eq(shares.ownerId, userId))
      .orderBy(asc(shares.id)),
    db
      .select({
        id: rooms.id,
        name: rooms.name,
        visibility: rooms.visibility,
        role: roomMembers.role,
        joinedAt: roomMembers.joinedAt,
      })
      .from(roomMembers)
      .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
      .where(eq(roomMembers.userId, userId))
      .orderBy(asc(rooms.id)),
    db
      .select({
        roomId: messages.roomId,
        id: messages.id,
        text: messages.text,
        sentAt: messages.sentAt,
        editedAt: messages.editedAt,
        deletedAt: messages.deletedAt,
      })
      .from(messages)
      .where(eq(messages.authorId, userId))
      .orderBy(asc(messages.roomId), asc(messages.seq)),
    db
      .select({
        id: coworkingSessions.id,
        title: coworkingSessions.title,
        durationMinutes: coworkingSessions.durationMinutes,
        visibility: coworkingSessions.visibility,
        plan: coworkingSessions.plan,
        startsAt: coworkingSessions.startsAt,
        lat: coworkingSessions.lat,
        lng: coworkingSessions.lng,
        capacity: coworkingSessions.capacity,
        shareCode: coworkingSessions.shareCode,
        phase: coworkingSessions.phase,
        startedAt: coworkingSessions.startedAt,
        endedAt: coworkingSessions.endedAt,
        createdAt: coworkingSessions.createdAt,
      })
      .from(coworkingSessions)
      .where(eq(coworkingSessions.hostId, userId))
      .orderBy(asc(coworkingSessions.id)),
    db
      .select({
        sessionId: coworkingParticipants.sessionId,
        mode: coworkingParticipants.mode,
        joinedAt: coworkingParticipants.joinedAt,
        leftAt: coworkingParticipants.leftAt,
        removedAt: coworkingParticipants.removedAt,
        minutesPresent: coworkingParticipants.minutesPresent,
      })
      .from(coworkingParticipants)
      .where(eq(coworkingParticipants.userId, userId))
      .orderBy(asc(coworkingParticipants.sessionId)),
    db
      .select({
        id: remotePassLedger.id,
        delta: remotePassLedger.delta,
        reason: remotePassLedger.reason,
        sessionId: remotePassLedger.sessionId,
        actorId: remotePassLedger.actorId,
        createdAt: remotePassLedger.createdAt,
      })
      .from(remotePassLedger)
      .where(eq(remotePassLedger.userId, userId))
      .orderBy(asc(remotePassLedger.id)),
    db
      .select({
        id: sprints.id,
        kind: sprints.kind,
        sessionId: sprints.sessionId,
        goal: sprints.goal,
        plannedMinutes: sprints.plannedMinutes,
        startedAt: sprints.startedAt,
        endedAt: sprints.endedAt,
        status: sprints.status,
        creditedMinutes: sprints.creditedMinutes,
        localDate: sprints.localDate,
        done: sprints.goalDone,
      })
      .from(sprints)
      .where(eq(sprints.userId, userId))
      .orderBy(asc(sprints.id)),
    db
      .select({ badgeId: userBadges.badgeId, awardedAt: userBadges.awardedAt })
      .from(userBadges)
      .where(eq(userBadges.userId, userId))
      .orderBy(asc(userBadges.badgeId)),
    db
      .select({ day: userActivityDays.day, firstKind: userActivityDays.firstKind })
      .from(userActivityDays)
      .where(eq(userActivityDays.userId, userId))
      .orderBy(asc(userActivityDays.day)),
  ]);
  const social = await socialExportOf(db, userId);
  const ai = await aiExportOf(db, userId);
  return {
    exportedAt: now().toISOString(),
    ...social,
    ...ai,
    profile: toPublicUser(user, access),
    roles: roleRows.map((row) => ({ ...row, grantedAt: row.grantedAt.toISOString() })),
    sessions: sessionRows.map((row) => ({
      ...row,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      revokedAt: iso(row.revokedAt),
    })),
    oauthAccounts: oauthRows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    auditEvents: auditRows.map((row) => ({ ...row, at: row.at.toISOString() })),
    files: fileRows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    shares: shareRows.map(({ passwordHash, ...row }) => ({
      ...row,
      hasPassword: passwordHash !== null,
      createdAt: row.createdAt.toISOString(),
      expiresAt: iso(row.expiresAt),
      revokedAt: iso(row.revokedAt),
    })),
    rooms: roomRows.map((row) => ({ ...row, joinedAt: row.joinedAt.toISOString() })),
    messages: messageRows.map(({ deletedAt, ...row }) => ({
      ...row,
      sentAt: row.sentAt.toISOString(),
      editedAt: iso(row.editedAt),
      deleted: deletedAt !== null,
    })),
    coworkingSessions: hostedRows.map((row) => ({
      ...row,
      startsAt: iso(row.startsAt),
      startedAt: iso(row.startedAt),
      endedAt: iso(row.endedAt),
      createdAt: row.createdAt.toISOString(),
    })),
    coworkingParticipations: participationRows.map((row) => ({
      ...row,
      joinedAt: row.joinedAt.toISOString(),
      leftAt: iso(row.leftAt),
      removedAt: iso(row.removedAt),
    })),
    remotePassLedger: ledgerRows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    sprints: sprintRows.map((row) => ({
      ...row,
      startedAt: row.startedAt.toISOString(),
      endedAt: row.endedAt?.toISOString() ?? null,
    })),
    badges: badgeRows.map((row) => ({ ...row, awardedAt: row.awardedAt.toISOString() })),
    activityDays: activityRows,
  };
}
