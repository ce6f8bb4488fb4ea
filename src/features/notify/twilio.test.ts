import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Recorded, recordedAt, twilioForm, waitForRecorded } from '../../../test/fake-outside/client';
import { expectProblem, randomIp } from '../../../test/worker/helpers';
import { createApp } from '../../app';
import type { JobMessage } from '../../env';
import worker from '../../index';

const app = createApp();

/** Twilio as the fake knows it (vitest.config.ts). */
const TWILIO = {
  TWILIO_ACCOUNT_SID: 'ACfake',
  TWILIO_AUTH_TOKEN: 'fake-twilio-auth-token',
  TWILIO_FROM: '+15550001111',
};
const twilioEnv = { ...env, ...TWILIO };

/** A number no other test uses, ending in `suffix` (the fake's failure scripts key on the last four digits). */
function phoneEndingIn(suffix = '1234'): string {
  const digits = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  return `+1555${String(digits % 10_000).padStart(4, '0')}${suffix}`;
}

function requestCode(phone: string, environment: typeof env = twilioEnv) {
  return app.request(
    '/api/auth/otp/request',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': randomIp() },
      body: JSON.stringify({ phone }),
    },
    environment,
  );
}

const toNumber = (phone: string) => (entry: Recorded) => twilioForm(entry).get('To') === phone;
const codeIn = (text: string | null) => /\b(\d{6})\b/.exec(text ?? '')?.[1] as string;

afterEach(() => vi.restoreAllMocks());

describe('texts through Twilio', () => {
  it('should post the code to the Messages API as a form with basic auth', async () => {
    const phone = phoneEndingIn();
    const res = await requestCode(phone);
    expect(res.status).toBe(202);
    const [call] = await recordedAt('api.twilio.com').then((all) => all.filter(toNumber(phone)));
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/2010-04-01/Accounts/ACfake/Messages.json');
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call?.headers.authorization).toBe(`Basic ${btoa('ACfake:fake-twilio-auth-token')}`);
    const form = twilioForm(call as Recorded);
    expect(form.get('From')).toBe(TWILIO.TWILIO_FROM);
    expect(form.get('MessagingServiceSid')).toBeNull();
    expect(form.get('Body')).toMatch(/^Your Hearth code is \d{6}\. It expires in 10 minutes\.$/);
  });

  it('should send from the messaging service when one is configured', async () => {
    const phone = phoneEndingIn();
    const res = await requestCode(phone, { ...twilioEnv, TWILIO_MESSAGING_SERVICE_SID: 'MGfake' });
    expect(res.status).toBe(202);
    const [call] = (await recordedAt('api.twilio.com')).filter(toNumber(phone));
    const form = twilioForm(call as Recorded);
    expect(form.get('MessagingServiceSid')).toBe('MGfake');
    expect(form.get('From')).toBeNull();
  });

  it('should still accept the request when Twilio is down, log no digit of the code, and deliver from the queue', async () => {
    const errors = vi.spyOn(console, 'error');
    const phone = phoneEndingIn('9501'); // The fake answers 503 to this number's first attempt.
    const res = await requestCode(phone);
    expect(res.status).toBe(202);
    const [attempt] = (await recordedAt('api.twilio.com')).filter(toNumber(phone));
    const code = codeIn(twilioForm(attempt as Recorded).get('Body'));
    expect(code).toMatch(/^\d{6}$/);
    const lines = errors.mock.calls.map((args) => args.join(' '));
    const failure = lines.find((line) => line.includes('sms failed'));
    expect(failure).toBeDefined();
    expect(JSON.parse(failure as string)).toMatchObject({ provider: 'twilio', status: 503, twilioCode: 20500 });
    for (const line of lines) {
      expect(line).not.toContain(code);
      expect(line).not.toContain(phone);
    }
    // The queue's consumer runs with the test run's own configuration (no Twilio: the development
    // outbox), so the retried text lands there, with the same code.
    await expect
      .poll(
        async () => {
          const { results } = await env.DB.prepare('SELECT body FROM dev_outbox WHERE "to" = ?').bind(phone).all();
          return results.map((row) => codeIn(row.body as string));
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual([code]);
  });

  it('should answer 400 on the phone field when Twilio says the number cannot get texts', async () => {
    const phone = phoneEndingIn('9400');
    const body = await expectProblem(await requestCode(phone), 400, 'validation_failed');
    expect(body.errors?.[0]?.path).toBe('body.phone');
  });

  it('should answer 503 when Twilio refuses the credentials', async () => {
    const res = await requestCode(phoneEndingIn(), { ...twilioEnv, TWILIO_AUTH_TOKEN: 'wrong' });
    await expectProblem(res, 503, 'unavailable');
  });
});

describe('the send_sms job', () => {
  function smsBatch(to: string, attempts: number) {
    return createMessageBatch<JobMessage>('hearth-jobs', [
      {
        id: `sms-${to}-${attempts}`,
        timestamp: new Date(),
        attempts,
        body: { type: 'send_sms', to, text: 'Your Hearth code is 482913.', requestedAt: new Date().toISOString() },
      },
    ]);
  }

  async function runBatch(to: string, attempts: number) {
    const batch = smsBatch(to, attempts);
    const ctx = createExecutionContext();
    await worker.queue(batch, twilioEnv, ctx);
    return getQueueResult(batch, ctx);
  }

  it('should be retried by the queue while Twilio fails, then acknowledged once it takes the text', async () => {
    const phone = phoneEndingIn('9501');
    const first = await runBatch(phone, 1);
    expect(first.retryMessages).toEqual([expect.objectContaining({ msgId: `sms-${phone}-1` })]);
    expect(first.explicitAcks).toEqual([]);
    const second = await runBatch(phone, 2);
    expect(second.explicitAcks).toEqual([`sms-${phone}-2`]);
    const calls = await waitForRecorded('api.twilio.com', toNumber(phone), 2);
    expect(calls.map((call) => twilioForm(call).get('Body'))).toEqual([
      'Your Hearth code is 482913.',
      'Your Hearth code is 482913.',
    ]);
  });

  it('should end, not retry, when Twilio refuses the number', async () => {
    const errors = vi.spyOn(console, 'error');
    const result = await runBatch(phoneEndingIn('9400'), 1);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    for (const [line] of errors.mock.calls) expect(String(line)).not.toContain('482913');
  });
});
