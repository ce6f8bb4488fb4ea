import { and, eq, isNull, notExists, or } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { oauthAccounts, users } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { randomToken } from '../../lib/ids';
import { normalizeEmail } from '../users/email';
import { createUser, findUserByEmail, findUserById, type User } from '../users/users.service';
import type { OidcProvider } from './oidc.config';
import type { OidcIdentity } from './oidc.service';
import { getLiveSession } from './sessions.service';

/** How long a browser has to come back from the provider. */
export const OAUTH_STATE_TTL_SECONDS = 10 * 60;

/** KV: `oauth:state:<state>` → what the callback needs to finish the sign-in it belongs to. */
const stateKey = (state: string) => `oauth:state:${state}`;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * One sign-in in flight. `link` sign-ins were started by a signed-in user
 * and attach the identity to that account instead of signing anyone in.
 */
export interface OAuthState {
  provider: string;
  nonce: string;
  codeVerifier: string;
  mode: 'sign_in' | 'link';
  userId?: string;
  sessionId?: string;
}

export interface StartedOAuth {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Makes the secrets of a new sign-in (256 random bits each) and keeps them in KV for ten minutes. */
export async function startOAuth(
  kv: KVNamespace,
  provider: OidcProvider,
  link?: { userId: string; sessionId: string },
): Promise<StartedOAuth> {
  const started = { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken() };
  const record: OAuthState = {
    provider: provider.id,
    nonce: started.nonce,
    codeVerifier: started.codeVerifier,
    mode: link ? 'link' : 'sign_in',
    ...link,
  };
  await kv.put(stateKey(started.state), JSON.stringify(record), { expirationTtl: OAUTH_STATE_TTL_SECONDS });
  return started;
}

/**
 * The sign-in `state` names, removed so it cannot be used again; null when
 * unknown or expired. The provider's authorization code is single-use too,
 * which covers the moment before a KV delete is seen everywhere.
 */
export async function takeOAuthState(kv: KVNamespace, state: string | undefined): Promise<OAuthState | null> {
  if (!state || !STATE_PATTERN.test(state)) return null;
  const record = await kv.get<OAuthState>(stateKey(state), 'json');
  if (record) await kv.delete(stateKey(state));
  return record;
}

export type OAuthOutcome =
  | { kind: 'signed_in'; user: User; created: boolean }
  | { kind: 'linked'; user: User }
  | {
      kind: 'refused';
      reason: 'account_exists' | 'account_deactivated' | 'oauth_identity_in_use' | 'oauth_session_ended';
      userId: string | null;
    };

async function linkedUser(db: Database, provider: string, subject: string): Promise<User | null> {
  const [row] = await db
    .select({ user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.subject, subject)))
    .limit(1);
  return row?.user ?? null;
}

/** Adds the link; false when the identity was linked (to anyone) first. */
async function insertLink(db: Database, provider: string, identity: OidcIdentity, userId: string): Promise<boolean> {
  const inserted = await db
    .insert(oauthAccounts)
    .values({ provider, subject: identity.subject, userId, email: identity.email, createdAt: now() })
    .onConflictDoNothing()
    .returning({ userId: oauthAccounts.userId });
  return inserted.length > 0;
}

async function linkToSignedInUser(
  db: Database,
  provider: string,
  identity: OidcIdentity,
  state: OAuthState,
): Promise<OAuthOutcome> {
  const session = state.sessionId ? await getLiveSession(db, state.sessionId) : null;
  const user = session && session.userId === state.userId ? await findUserById(db, session.userId) : null;
  if (!user) return { kind: 'refused', reason: 'oauth_session_ended', userId: state.userId ?? null };
  if (user.status !== 'active') return { kind: 'refused', reason: 'account_deactivated', userId: user.id };
  const owner = (await insertLink(db, provider, identity, user.id))
    ? user
    : await linkedUser(db, provider, identity.subject);
  if (owner?.id !== user.id) return { kind: 'refused', reason: 'oauth_identity_in_use', userId: user.id };
  return { kind: 'linked', user: await fillMissingProfile(db, user, provider, identity) };
}

function signInLinked(user: User): OAuthOutcome {
  return user.status === 'active'
    ? { kind: 'signed_in', user, created: false }
    : { kind: 'refused', reason: 'account_deactivated', userId: user.id };
}

/**
 * Fills in what an account lacks from what the provider says now: a name when
 * it has none, and an email when it has none and the provider has verified
 * it and no other account holds it. Never overwrites a value, so what the
 * user changed in Hearth stays; each update is conditional on the field
 * still being empty, so two sign-ins at once cannot undo anything either.
 */
async function fillMissingProfile(db: Database, user: User, provider: string, identity: OidcIdentity): Promise<User> {
  const at = now();
  await db
    .update(oauthAccounts)
    .set({ email: identity.email })
    .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.subject, identity.subject)));
  if (!user.name && identity.name) {
    await db
      .update(users)
      .set({ name: identity.name, updatedAt: at })
      .where(and(eq(users.id, user.id), or(isNull(users.name), eq(users.name, ''))));
  }
  if (!user.email && identity.email && identity.emailVerified) {
    const email = normalizeEmail(identity.email);
    // One statement, so no other account can take the address between the check and the write.
    const holder = db.select({ id: users.id }).from(users).where(eq(users.email, email));
    await db
      .update(users)
      .set({ email, emailVerifiedAt: at, updatedAt: at })
      .where(and(eq(users.id, user.id), isNull(users.email), notExists(holder)));
  }
  return (await findUserById(db, user.id)) ?? user;
}

/**
 * A new account for a new identity. Only an address the provider has
 * verified is kept on the account: an unverified one would let whoever
 * typed it at the provider hold an account the real owner later recovers
 * by email, with the stranger's identity still linked to it.
 */
async function createLinkedUser(db: Database, provider: string, identity: OidcIdentity): Promise<OAuthOutcome> {
  let user: User;
  try {
    user = await createUser(db, {
      email: identity.emailVerified ? identity.email : null,
      emailVerified: identity.emailVerified,
      name: identity.name,
    });
  } catch (error) {
    // The same identity signing in twice at once: the first one made the account.
    if (!(error instanceof AppError && error.code === 'email_taken')) throw error;
    const raced = await linkedUser(db, provider, identity.subject);
    return raced ? signInLinked(raced) : { kind: 'refused', reason: 'account_exists', userId: null };
  }
  if (await insertLink(db, provider, identity, user.id)) return { kind: 'signed_in', user, created: true };
  await db.delete(users).where(eq(users.id, user.id));
  const raced = await linkedUser(db, provider, identity.subject);
  if (!raced) throw new Error('OAuth identity link vanished while signing in');
  return signInLinked(raced);
}

/**
 * Decides what a verified identity means here:
 * a linked identity signs in its account; a `link` sign-in attaches it to the
 * user who started it; an identity whose email already has an account is
 * refused (linking is done from a signed-in session, never by matching email);
 * anything else gets a new account.
 */
export async function completeOAuth(
  db: Database,
  provider: string,
  identity: OidcIdentity,
  state: OAuthState,
): Promise<OAuthOutcome> {
  if (state.mode === 'link') return linkToSignedInUser(db, provider, identity, state);
  const linked = await linkedUser(db, provider, identity.subject);
  if (linked?.status === 'active') return signInLinked(await fillMissingProfile(db, linked, provider, identity));
  if (linked) return signInLinked(linked);
  if (identity.email) {
    const existing = await findUserByEmail(db, normalizeEmail(identity.email));
    if (existing) return { kind: 'refused', reason: 'account_exists', userId: existing.id };
  }
  return createLinkedUser(db, provider, identity);
}
