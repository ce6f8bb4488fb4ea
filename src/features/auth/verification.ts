import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { enforceLimit } from '../../limiter';
import { senderFor } from '../notify/senders';
import type { User } from '../users/users.service';
import { authLimits, limitKey } from './limits';
import { issueToken } from './one-time-tokens.service';

/** Builds a link into the web app from APP_URL, never from the request's Host header. */
export function appLink(appUrl: string, path: string, token: string): string {
  const url = new URL(path, `${appUrl}/`);
  url.searchParams.set('token', token);
  return url.toString();
}

/** Emails a verification link (24 hours) unless the address is already verified. */
export async function sendEmailVerification(c: Context<AppEnv>, user: User): Promise<void> {
  if (!user.email || user.emailVerifiedAt) return;
  await enforceLimit(
    c.env,
    limitKey.emailAddress('verify', user.email),
    authLimits.emailPerAddress,
    'verification emails',
  );
  const token = await issueToken(c.var.db, 'verify_email', { id: user.id, email: user.email });
  await senderFor(c.env, c.var.config, c.var.db, 'email').send({
    channel: 'email',
    to: user.email,
    subject: 'Confirm your email for Hearth',
    text: `Confirm this address for your Hearth account:\n\n${appLink(c.var.config.appUrl, '/verify-email', token)}\n\nThe link works for 24 hours. If you did not sign up, ignore this message.`,
  });
}
