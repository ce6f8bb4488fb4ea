import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { displayName } from '../rooms/rooms.service';

/**
 * The other person of a friendship, block or report: yourself is 400, an id
 * that names no active account 404 (deactivated accounts are not offered as
 * anyone to befriend, block or report).
 */
export async function otherPerson(
  db: Database,
  selfId: string,
  otherId: string,
  what: string,
): Promise<{ id: string; name: string }> {
  if (otherId === selfId) throw new AppError('bad_request', `You cannot ${what} yourself.`);
  const [row] = await db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(users)
    .where(and(eq(users.id, otherId), eq(users.status, 'active')))
    .limit(1);
  if (!row) throw new AppError('not_found', 'No such user.');
  return { id: row.id, name: displayName(row) };
}

/** The key of a pair's friendship row: the two ids in order, so both directions name one row. */
export function pairKey(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
