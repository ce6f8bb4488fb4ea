import { clientInfo } from '../../lib/client';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { parseHmacKeys } from '../../lib/keys';
import { createRouter } from '../../lib/openapi';
import { enforceLimit } from '../../limiter';
import { audit } from '../audit/audit.service';
import { senderFor } from '../notify/senders';
import { authLimits, countSignInAttempt, ipOrUnknown, limitKey } from './limits';
import { requestOtp, verifyOtp } from './otp.routes';
import { checkOtpCode, findOrCreatePhoneUser, issueOtpCode, OTP_TTL_MINUTES, type OtpCheck } from './otp.service';
import { assertActive, signIn } from './sign-in';

type Refusal = Extract<OtpCheck, { ok: false }>;

function refusalMessage(check: Refusal): string {
  switch (check.reason) {
    case 'wrong_code':
      return check.attemptsLeft > 0
        ? `That code is not correct. ${check.attemptsLeft} ${check.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`
        : 'That code is not correct, and it has no attempts left. Request a new code.';
    case 'exhausted':
      return 'Too many wrong attempts for this code. Request a new code.';
    case 'used':
      return 'This code has already been used. Request a new code.';
    case 'no_code':
      return 'This code has expired or was never sent. Request a new code.';
  }
}

export const otpRoutes = createRouter()
  .openapi(requestOtp, async (c) => {
    const { phone } = c.req.valid('json');
    const { ip } = clientInfo(c.req.raw);
    await enforceLimit(c.env, limitKey.otpIp(ipOrUnknown(ip)), authLimits.otpSendPerIp, 'codes sent from this network');
    await enforceLimit(c.env, limitKey.otpPhone(phone), authLimits.otpSendPerPhone, 'codes sent to this number');
    const { code } = await issueOtpCode(c.var.db, phone, otpPepper(c.var.config));
    await senderFor(c.env, c.var.config, c.var.db, 'sms').send({
      channel: 'sms',
      to: phone,
      text: `Your Hearth code is ${code}. It expires in ${OTP_TTL_MINUTES} minutes.`,
    });
    return c.json({ status: 'accepted' as const }, 202);
  })
  .openapi(verifyOtp, async (c) => {
    const { phone, code, client } = c.req.valid('json');
    const { ip } = clientInfo(c.req.raw);
    const succeeded = await countSignInAttempt(c.env, ip);
    const check = await checkOtpCode(c.var.db, phone, code, otpPepper(c.var.config));
    if (!check.ok) {
      await audit(c, { action: 'auth.otp_login', outcome: 'failure', details: { reason: check.reason } });
      throw new AppError('unauthorized', refusalMessage(check));
    }
    await succeeded();
    const { user, created } = await findOrCreatePhoneUser(c.var.db, phone);
    await assertActive(c, user, 'auth.otp_login');
    c.set('userId', user.id);
    await audit(c, { action: 'auth.otp_login', targetType: 'user', targetId: user.id, details: { created } });
    return c.json({ ...(await signIn(c, user, client)), created }, 200);
  });

/** The server secret OTP hashes are keyed with: the current URL-signing key (a rotation voids codes in flight, which live 10 minutes). */
export function otpPepper(config: Config): string {
  return parseHmacKeys(config.secrets.URL_SIGNING_KEYS)[0]?.secret ?? '';
}
