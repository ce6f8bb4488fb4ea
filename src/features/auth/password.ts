// tsconfig types only the Workers runtime, so node: modules have no types here; NodeScrypt below
// declares the one call we make. Drop both once tsconfig lists "node" in `types`.
import { scrypt } from 'node:crypto';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { decodeBase64IgnorePadding, encodeBase64NoPadding } from '@oslojs/encoding';
import { AppError, type FieldError } from '../../lib/errors';
import { commonPasswords } from './common-passwords';

/** Counted in code points after NFKC normalisation (NIST SP 800-63B §3.1.1.2). */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/** scrypt cost: N = 2^logN iterations of the memory-hard mix, block size r, parallelism p. */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/**
 * What new hashes use. Memory is 128·N·r = 16 MiB per hash, far below the 128 MB isolate
 * limit even with a few logins in flight. p multiplies the CPU time but not the memory,
 * because workerd (BoringSSL) runs the p lanes one after another: one hash is roughly 0.15 s
 * of CPU, well within the paid plan's default CPU limit but not the free plan's 10 ms.
 */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 14, r: 8, p: 5 });
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds on the parameters a stored hash may name. The string comes from our own database,
 * but a tampered or corrupt row must not make one login allocate gigabytes or spin for
 * minutes: anything outside these is refused before any work is done. The work bound leaves
 * room for a later, stronger SCRYPT_PARAMS (and a rollback from it).
 */
const BOUNDS = {
  minLogN: 10,
  maxLogN: 16,
  maxR: 32,
  maxP: 16,
  maxMemoryBytes: 32 * 1024 * 1024,
  maxWork: 4 * 2 ** SCRYPT_PARAMS.logN * SCRYPT_PARAMS.r * SCRYPT_PARAMS.p,
  minSaltBytes: 8,
  maxSaltBytes: 64,
  minKeyBytes: 16,
  maxKeyBytes: 64,
} as const;

/**
 * Inputs longer than this many UTF-16 units cannot normalise to MAX_PASSWORD_LENGTH code
 * points (NFKC composition shrinks a sequence about 4:1 at most; this allows 8:1), so they
 * are refused before normalising: a megabyte "password" costs nothing.
 */
const MAX_RAW_UNITS = MAX_PASSWORD_LENGTH * 8;

// PHC-like: $scrypt$ln=14,r=8,p=5$<salt>$<key>, both in unpadded standard base64.
const HASH_PATTERN = /^\$scrypt\$ln=(\d{1,3}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const MAX_HASH_LENGTH = 256;

export interface ParsedPasswordHash {
  params: ScryptParams;
  salt: Uint8Array;
  key: Uint8Array;
}

export interface PasswordVerification {
  ok: boolean;
  /** The password matched but the hash was made with other parameters: store `hashPassword(password)` anew. */
  needsRehash: boolean;
}

export type WeakPasswordReason = 'too_short' | 'too_long' | 'common' | 'personal';

export type PasswordPolicyResult = { ok: true } | { ok: false; reason: WeakPasswordReason; message: string };

export interface PasswordContext {
  email?: string;
  name?: string;
}

/**
 * NFKC, so the same password typed on another keyboard or OS (composed vs decomposed
 * accents, fullwidth letters) hashes the same. Hash and policy both see only this form.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Hashes a password for storage. Check it with `assertStrongPassword` first. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await deriveKey(normalizePassword(password), salt, SCRYPT_PARAMS, KEY_BYTES);
  return formatPasswordHash({ params: SCRYPT_PARAMS, salt, key });
}

/**
 * Checks a password against a stored hash. Never throws for a bad password or a corrupt
 * hash (both are `ok: false`); a hash naming parameters outside sane bounds is refused
 * without computing anything.
 *
 * @example
 * const { ok, needsRehash } = await verifyPassword(body.password, user.passwordHash);
 * if (ok && needsRehash) await updatePasswordHash(db, user.id, await hashPassword(body.password));
 */
export async function verifyPassword(password: string, stored: string): Promise<PasswordVerification> {
  const parsed = parsePasswordHash(stored);
  if (!parsed || password.length > MAX_RAW_UNITS) return { ok: false, needsRehash: false };
  const normalized = normalizePassword(password);
  if (codePoints(normalized) > MAX_PASSWORD_LENGTH) return { ok: false, needsRehash: false };
  const key = await deriveKey(normalized, parsed.salt, parsed.params, parsed.key.length);
  const ok = constantTimeEqual(key, parsed.key);
  return { ok, needsRehash: ok && !isCurrent(parsed) };
}

/**
 * Does the work of a real `verifyPassword` and throws it away. Call it when the email is
 * unknown or the account has no password, so the response takes as long as a wrong password
 * would and its timing does not tell whether the account exists.
 */
export async function burnPasswordWork(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_HASH);
}

/** Parses the self-describing hash string; null when it is malformed or out of bounds. */
export function parsePasswordHash(stored: string): ParsedPasswordHash | null {
  if (stored.length > MAX_HASH_LENGTH) return null;
  const match = HASH_PATTERN.exec(stored);
  if (!match) return null;
  const [, logN, r, p, salt = '', key = ''] = match;
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (!withinBounds(params)) return null;
  const saltBytes = decodeBase64(salt);
  const keyBytes = decodeBase64(key);
  if (!saltBytes || saltBytes.length < BOUNDS.minSaltBytes || saltBytes.length > BOUNDS.maxSaltBytes) return null;
  if (!keyBytes || keyBytes.length < BOUNDS.minKeyBytes || keyBytes.length > BOUNDS.maxKeyBytes) return null;
  return { params, salt: saltBytes, key: keyBytes };
}

export function formatPasswordHash({ params, salt, key }: ParsedPasswordHash): string {
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${encodeBase64NoPadding(salt)}$${encodeBase64NoPadding(key)}`;
}

/**
 * The account rules (NIST SP 800-63B): 8 to 128 code points after normalisation, not a
 * commonly used password, not the user's own email or name. No composition rules.
 */
export function checkPasswordPolicy(password: string, context: PasswordContext = {}): PasswordPolicyResult {
  if (password.length > MAX_RAW_UNITS) return tooLong;
  const normalized = normalizePassword(password);
  const length = codePoints(normalized);
  if (length < MIN_PASSWORD_LENGTH) return tooShort;
  if (length > MAX_PASSWORD_LENGTH) return tooLong;
  const folded = normalized.toLowerCase();
  if (commonPasswords().has(folded)) return common;
  if (personalWords(context).has(folded)) return personal;
  return { ok: true };
}

/** `checkPasswordPolicy` as the `errors` entries of a problem: none when the password is strong. */
export function passwordPolicyErrors(password: string, context: PasswordContext, path: string): FieldError[] {
  const result = checkPasswordPolicy(password, context);
  return result.ok ? [] : [{ path, message: result.message, code: result.reason }];
}

/** `checkPasswordPolicy`, throwing 400 `weak_password` with the reason for the form field at `path`. */
export function assertStrongPassword(password: string, context: PasswordContext = {}, path = 'body.password'): void {
  const errors = passwordPolicyErrors(password, context, path);
  if (errors[0]) throw new AppError('weak_password', errors[0].message, { errors });
}

const tooShort = refusal('too_short', `Password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
const tooLong = refusal('too_long', `Password must be at most ${MAX_PASSWORD_LENGTH} characters long.`);
const common = refusal('common', 'This password is one of the most commonly used ones; choose a less common one.');
const personal = refusal('personal', 'Password must not be your email address or your name.');

function refusal(reason: WeakPasswordReason, message: string): PasswordPolicyResult {
  return Object.freeze({ ok: false, reason, message });
}

function personalWords({ email, name }: PasswordContext): Set<string> {
  const words = new Set<string>();
  const add = (word: string) => {
    const folded = normalizePassword(word.trim()).toLowerCase();
    if (folded !== '') words.add(folded);
  };
  if (email) {
    add(email);
    const at = email.lastIndexOf('@');
    if (at > 0) add(email.slice(0, at));
  }
  if (name) {
    add(name);
    add(name.replace(/\s+/g, ''));
  }
  return words;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function withinBounds({ logN, r, p }: ScryptParams): boolean {
  if (logN < BOUNDS.minLogN || logN > BOUNDS.maxLogN) return false;
  if (r < 1 || r > BOUNDS.maxR || p < 1 || p > BOUNDS.maxP) return false;
  const n = 2 ** logN;
  return 128 * n * r <= BOUNDS.maxMemoryBytes && n * r * p <= BOUNDS.maxWork;
}

function isCurrent({ params, salt, key }: ParsedPasswordHash): boolean {
  return (
    params.logN === SCRYPT_PARAMS.logN &&
    params.r === SCRYPT_PARAMS.r &&
    params.p === SCRYPT_PARAMS.p &&
    salt.length === SALT_BYTES &&
    key.length === KEY_BYTES
  );
}

function decodeBase64(encoded: string): Uint8Array | null {
  try {
    return decodeBase64IgnorePadding(encoded);
  } catch {
    return null;
  }
}

function deriveKey(password: string, salt: Uint8Array, params: ScryptParams, keyLength: number): Promise<Uint8Array> {
  const n = 2 ** params.logN;
  // scrypt needs 128·r·(N + p + 1) bytes; BoringSSL refuses a maxmem of exactly 128·N·r, so allow twice that.
  const maxmem = 2 * 128 * n * params.r;
  return new Promise((resolve, reject) => {
    scrypt(
      new TextEncoder().encode(password),
      salt,
      keyLength,
      { N: n, r: params.r, p: params.p, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

// Zero salt and key with the current parameters: it costs what a real hash costs and matches no password.
const DUMMY_HASH = formatPasswordHash({
  params: SCRYPT_PARAMS,
  salt: new Uint8Array(SALT_BYTES),
  key: new Uint8Array(KEY_BYTES),
});
