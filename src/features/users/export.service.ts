import { asc, eq, or } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditLog, oauthAccounts, roles, sessions, userRoles } from '../../db/schema';
import { now } from '../../lib/clock';
import { findUserById, type PublicUser, rolesOf, toPublicUser } from './users.service';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export interface UserExport {
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
  const [roleNames, roleRows, sessionRows, oauthRows, auditRows] = await Promise.all([
    rolesOf(db, userId),
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
  ]);
  return {
    exportedAt: now().toISOString(),
    profile: toPublicUser(user, roleNames),
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
  };
}
