import { createDb } from '../../db/client';
import type { Env } from '../../env';
import { readConfig } from '../../lib/config';
import { senderFor } from '../notify/senders';
import { findUserByEmail } from '../users/users.service';
import { issueToken } from './one-time-tokens.service';
import { appLink } from './verification';

/**
 * Runs on the queue, not in the request: the request answers 202 after the
 * same work whether or not the account exists, and a provider outage is
 * retried instead of lost.
 */
export async function sendPasswordReset(env: Env, email: string): Promise<'sent' | 'no_account'> {
  const db = createDb(env.DB);
  const config = readConfig(env);
  const user = await findUserByEmail(db, email);
  if (!user?.email || user.status !== 'active') return 'no_account';
  const token = await issueToken(db, 'reset_password', { id: user.id, email: user.email });
  await senderFor(env, config, db, 'email').send({
    channel: 'email',
    to: user.email,
    subject: 'Reset your Hearth password',
    text: `Someone asked to reset the password of your Hearth account. To choose a new one, open:\n\n${appLink(config.appUrl, '/reset-password', token)}\n\nThe link works for 30 minutes and only once. If it was not you, ignore this message: your password stays as it is.`,
  });
  return 'sent';
}
