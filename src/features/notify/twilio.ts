import { createDb } from '../../db/client';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { readConfig } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { type OutgoingMessage, type Sender, senderFor } from './senders';

/** What Twilio needs: an account, its auth token, and a sending number or messaging service. */
export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A phone number (`+1555…`) or a messaging service id (`MG…`). */
  from: string;
}

/** The Twilio settings of `env`, when all three are set. */
export function twilioConfig(env: Env): TwilioConfig | null {
  const accountSid = env.TWILIO_ACCOUNT_SID?.trim();
  const authToken = env.TWILIO_AUTH_TOKEN?.trim();
  const from = (env.TWILIO_MESSAGING_SERVICE_SID || env.TWILIO_FROM)?.trim();
  return accountSid && authToken && from ? { accountSid, authToken, from } : null;
}

/**
 * How one attempt ended. `retry` is what a later attempt may fix (Twilio
 * answered 429 or 5xx, or did not answer); `refused` is what it will not
 * (a malformed number, a blocked destination, wrong credentials).
 */
export type TwilioOutcome =
  | { ok: true }
  | { ok: false; retry: boolean; status: number | null; twilioCode: number | null };

/**
 * One POST to Twilio's Messages API: form-encoded `To`, `From` or
 * `MessagingServiceSid`, and `Body`, with HTTP basic auth `AccountSid:AuthToken`.
 * https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */
export async function sendTwilioMessage(config: TwilioConfig, to: string, body: string): Promise<TwilioOutcome> {
  const form = new URLSearchParams({ To: to, Body: body });
  form.set(config.from.startsWith('MG') ? 'MessagingServiceSid' : 'From', config.from);
  let response: Response;
  try {
    response = await fetch(
      `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: form.toString(),
      },
    );
  } catch {
    return { ok: false, retry: true, status: null, twilioCode: null };
  }
  if (response.ok) {
    await response.body?.cancel();
    return { ok: true };
  }
  const problem = await response.json<{ code?: unknown }>().catch(() => ({ code: undefined }));
  return {
    ok: false,
    retry: response.status === 429 || response.status >= 500,
    status: response.status,
    twilioCode: typeof problem.code === 'number' ? problem.code : null,
  };
}

/**
 * The log line of a failed attempt. It names the provider's answer, never the
 * message: a text carries a sign-in code, and logs are read by more people
 * than the phone's owner.
 */
export function logTwilioFailure(outcome: Extract<TwilioOutcome, { ok: false }>, attempt: number, queued: boolean) {
  console.error(
    JSON.stringify({
      level: 'error',
      msg: queued ? 'sms failed, retrying from the queue' : 'sms refused by twilio',
      provider: 'twilio',
      status: outcome.status,
      twilioCode: outcome.twilioCode,
      attempt,
    }),
  );
}

/** Twilio's answers that mean the number itself cannot get a text: invalid, not mobile, opted out, region off. */
const UNREACHABLE_NUMBER = new Set([21211, 21408, 21610, 21612, 21614]);

function refusal(outcome: Extract<TwilioOutcome, { ok: false }>): AppError {
  if (outcome.twilioCode !== null && UNREACHABLE_NUMBER.has(outcome.twilioCode)) {
    const message = 'This number cannot receive text messages.';
    return new AppError('validation_failed', message, {
      errors: [{ path: 'body.phone', message, code: 'unreachable' }],
    });
  }
  return new AppError('unavailable', 'Text messages cannot be sent right now.');
}

/**
 * Texts through Twilio. The first attempt is made in the request, so a code
 * usually arrives while the person is still looking at the screen; when
 * Twilio is down or busy the message goes onto the `JOBS` queue, whose
 * retries with backoff (and dead-letter queue) take it from there, and the
 * request still answers as accepted. A refusal a retry cannot fix is a 400
 * when the number is at fault and a 503 otherwise (credentials, account).
 */
export function twilioSender(env: Env, config: TwilioConfig): Sender {
  return {
    async send(message: OutgoingMessage) {
      const outcome = await sendTwilioMessage(config, message.to, message.text);
      if (outcome.ok) return;
      logTwilioFailure(outcome, 1, outcome.retry);
      if (!outcome.retry) throw refusal(outcome);
      await env.JOBS.send(
        { type: 'send_sms', to: message.to, text: message.text, requestedAt: now().toISOString() },
        { delaySeconds: 5 },
      );
    },
  };
}

/**
 * The queued retry of a text (`send_sms` jobs), through Twilio, or through
 * whichever SMS sender is configured now if Twilio no longer is. Throws on a
 * failure worth retrying, so the queue retries it with backoff (and, after
 * the last retry, dead-letters it); a refusal is final and the job ends, logged.
 */
export async function retryQueuedSms(env: Env, to: string, text: string, attempt: number): Promise<'sent' | 'refused'> {
  const config = twilioConfig(env);
  if (!config) {
    await senderFor(env, readConfig(env), createDb(env.DB), 'sms').send({ channel: 'sms', to, text });
    return 'sent';
  }
  const outcome = await sendTwilioMessage(config, to, text);
  if (outcome.ok) return 'sent';
  logTwilioFailure(outcome, attempt + 1, outcome.retry);
  if (outcome.retry) throw new Error(`sms provider answered ${outcome.status ?? 'nothing'}`);
  return 'refused';
}
