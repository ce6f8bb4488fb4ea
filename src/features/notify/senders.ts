import type { Database } from '../../db/client';
import { devOutbox } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { twilioConfig, twilioSender } from './twilio';

export interface OutgoingMessage {
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
}

/** One interface for every way Hearth reaches a person. */
export interface Sender {
  send(message: OutgoingMessage): Promise<void>;
}

/** Development: messages land in D1, readable at `GET /api/dev/outbox`. */
function outboxSender(db: Database): Sender {
  return {
    async send(message) {
      await db.insert(devOutbox).values({
        id: newId(),
        channel: message.channel,
        to: message.to,
        subject: message.subject ?? null,
        body: message.text,
        createdAt: now(),
      });
    },
  };
}

/** A provider reached over HTTP with a bearer key; the body shape fits Resend-style email and most SMS APIs. */
function httpSender(url: string, apiKey: string | undefined, from: string | undefined): Sender {
  return {
    async send(message) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ from, to: message.to, subject: message.subject, text: message.text }),
      });
      if (!response.ok) {
        throw new Error(`${message.channel} provider answered ${response.status}`);
      }
    },
  };
}

/**
 * The sender for a channel: Twilio for texts when `TWILIO_*` is set, else the
 * configured HTTP provider, else the development
 * outbox. Production without a provider refuses with 503 rather than
 * pretending a message went out.
 */
export function senderFor(env: Env, config: Config, db: Database, channel: OutgoingMessage['channel']): Sender {
  const twilio = channel === 'sms' ? twilioConfig(env) : null;
  if (twilio) return twilioSender(env, twilio);
  const url = channel === 'email' ? env.EMAIL_API_URL : env.SMS_API_URL;
  if (url) {
    return channel === 'email'
      ? httpSender(url, env.EMAIL_API_KEY, env.EMAIL_FROM)
      : httpSender(url, env.SMS_API_KEY, env.SMS_FROM);
  }
  if (config.isDevelopment) return outboxSender(db);
  return {
    async send() {
      throw new AppError('unavailable', `No ${channel} provider is configured.`);
    },
  };
}
