import { encodeHexLowerCase } from '@oslojs/encoding';
import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { otpCodes, users } from '../../db/schema';
import { now, secondsFromNow } from '../../lib/clock';
import { constantTimeEqualStrings, hmacSha256 } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { createUser, type User } from '../users/users.service';

export const OTP_TTL_MINUTES = 10;
export const OTP_MAX_ATTEMPTS = 5;
const CODE_SPACE = 1_000_000;
// The largest multiple of 10^6 below 2^32: draws at or above it are thrown away so every code is equally likely.
const UNBIASED_LIMIT = Math.floor(2 ** 32 / CODE_SPACE) * CODE_SPACE;

/** Six decimal digits from the CSPRNG, uniform over 000000–999999. */
export function generateOtpCode(): string {
  const draw = new Uint32Array(1);
  do crypto.getRandomValues(draw);
  while ((draw[0] as number) >= UNBIASED_LIMIT);
  return String((draw[0] as number) % CODE_SPACE).padStart(6, '0');
}

/**
 * The stored form of a code: an HMAC under a server secret, because a million
 * possible codes would fall to brute force from a plain hash in a copied
 * database. Binding the row id and the phone in means a hash copied to another
 * row or number never matches there.
 */
function codeHash(pepper: string, id: string, phone: string, code: string): string {
  return encodeHexLowerCase(hmacSha256(new TextEncoder().encode(`hearth/otp/${pepper}`), `${id}:${phone}:${code}`));
}

export interface IssuedOtp {
  id: string;
  code: string;
  expiresAt: Date;
}

/**
 * The `otp_codes.phone` a code to add `phone` to account `userId` is kept under: not the bare
 * number, so such a code can never sign in (nor be retired by a sign-in code, or the reverse).
 */
export const addPhoneCodeKey = (userId: string, phone: string) => `${phone}#add:${userId}`;

/**
 * Stores a new code for `phone` (or a key from `addPhoneCodeKey`) and retires every earlier
 * unused one in the same transaction.
 */
export async function issueOtpCode(db: Database, phone: string, pepper: string): Promise<IssuedOtp> {
  const id = newId();
  const code = generateOtpCode();
  const createdAt = now();
  const expiresAt = secondsFromNow(OTP_TTL_MINUTES * 60);
  await db.batch([
    db.delete(otpCodes).where(and(eq(otpCodes.phone, phone), isNull(otpCodes.usedAt))),
    db.insert(otpCodes).values({ id, phone, codeHash: codeHash(pepper, id, phone, code), createdAt, expiresAt }),
  ]);
  return { id, code, expiresAt };
}

export type OtpCheck =
  | { ok: true }
  | { ok: false; reason: 'no_code' | 'exhausted' | 'used' }
  | { ok: false; reason: 'wrong_code'; attemptsLeft: number };

/**
 * Checks `code` against the newest code sent to `phone` and spends it on a
 * match. The attempt is counted before the comparison, by one conditional
 * UPDATE: D1 runs statements one at a time, so however many guesses arrive
 * together, at most five ever reach the comparison.
 */
export async function checkOtpCode(db: Database, phone: string, code: string, pepper: string): Promise<OtpCheck> {
  const at = now();
  const [latest] = await db
    .select({ id: otpCodes.id })
    .from(otpCodes)
    .where(eq(otpCodes.phone, phone))
    .orderBy(desc(otpCodes.createdAt), desc(otpCodes.id))
    .limit(1);
  if (!latest) return { ok: false, reason: 'no_code' };

  const [counted] = await db
    .update(otpCodes)
    .set({ attempts: sql`${otpCodes.attempts} + 1` })
    .where(
      and(
        eq(otpCodes.id, latest.id),
        lt(otpCodes.attempts, OTP_MAX_ATTEMPTS),
        isNull(otpCodes.usedAt),
        gt(otpCodes.expiresAt, at),
      ),
    )
    .returning({ codeHash: otpCodes.codeHash, attempts: otpCodes.attempts });
  if (!counted) {
    // Not counted: say why, so the person knows whether to retype or to ask for a new code.
    const [row] = await db
      .select({ attempts: otpCodes.attempts, usedAt: otpCodes.usedAt, expiresAt: otpCodes.expiresAt })
      .from(otpCodes)
      .where(eq(otpCodes.id, latest.id))
      .limit(1);
    if (!row || row.expiresAt <= at) return { ok: false, reason: 'no_code' };
    if (row.usedAt) return { ok: false, reason: 'used' };
    return { ok: false, reason: 'exhausted' };
  }

  if (!constantTimeEqualStrings(counted.codeHash, codeHash(pepper, latest.id, phone, code))) {
    return { ok: false, reason: 'wrong_code', attemptsLeft: OTP_MAX_ATTEMPTS - counted.attempts };
  }
  // Two right answers at once: the conditional spend lets exactly one sign in.
  const spent = await db
    .update(otpCodes)
    .set({ usedAt: at })
    .where(and(eq(otpCodes.id, latest.id), isNull(otpCodes.usedAt)))
    .returning({ id: otpCodes.id });
  return spent.length > 0 ? { ok: true } : { ok: false, reason: 'used' };
}

async function findUserByPhone(db: Database, phone: string): Promise<User | null> {
  const [user] = await db.select().from(users).where(eq(users.phone, phone)).limit(1);
  return user ?? null;
}

/** The account that owns `phone`, created now if this is the number's first sign-in. */
export async function findOrCreatePhoneUser(db: Database, phone: string): Promise<{ user: User; created: boolean }> {
  const existing = await findUserByPhone(db, phone);
  if (existing) return { user: existing, created: false };
  try {
    return { user: await createUser(db, { phone }), created: true };
  } catch (error) {
    // Someone else created it a moment ago: theirs is the account.
    if (!(error instanceof AppError && error.code === 'conflict')) throw error;
    const raced = await findUserByPhone(db, phone);
    if (!raced) throw error;
    return { user: raced, created: false };
  }
}
