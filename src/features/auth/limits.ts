import type { Env } from '../../env';
import { enforceLimit, type LimitRule, refundLimit } from '../../limiter';

/**
 * Every throttle on the sign-in paths, in one place. Counters are exact (one
 * Durable Object per key); keys name what they count.
 */
export const authLimits = {
  /** Failed sign-ins per account, from any network; a success clears it. */
  loginPerAccount: { limit: 10, windowSeconds: 15 * 60 },
  /**
   * Failed sign-ins (password or phone code) per network. Each attempt is
   * counted before it is checked, so concurrent guesses are counted exactly,
   * and given back when it succeeds: everyone behind one office or school
   * address signing in normally never meets it.
   */
  loginFailuresPerIp: { limit: 30, windowSeconds: 15 * 60 },
  /** Every sign-in attempt per network, successes included: only a flood reaches it. */
  loginPerIp: { limit: 600, windowSeconds: 15 * 60 },
  registerPerIp: { limit: 10, windowSeconds: 60 * 60 },
  /** Reset and verification emails per address. */
  emailPerAddress: { limit: 5, windowSeconds: 60 * 60 },
  emailPerIp: { limit: 20, windowSeconds: 60 * 60 },
  otpSendPerPhone: { limit: 5, windowSeconds: 60 * 60 },
  otpSendPerIp: { limit: 20, windowSeconds: 60 * 60 },
} as const satisfies Record<string, LimitRule>;

export const limitKey = {
  loginAccount: (email: string) => `login:account:${email}`,
  loginIp: (ip: string) => `login:ip:${ip}`,
  loginFailuresIp: (ip: string) => `login:failures:ip:${ip}`,
  registerIp: (ip: string) => `register:ip:${ip}`,
  emailAddress: (purpose: string, email: string) => `email:${purpose}:${email}`,
  emailIp: (ip: string) => `email:ip:${ip}`,
  otpPhone: (phone: string) => `otp:phone:${phone}`,
  otpIp: (ip: string) => `otp:ip:${ip}`,
};

/** Requests without CF-Connecting-IP (local tools) share one bucket rather than escaping the limit. */
export const ipOrUnknown = (ip: string | null) => ip ?? 'unknown';

/**
 * Counts one sign-in attempt from `ip` against both per-network rules, before
 * any checking, and returns what to call once it succeeded: that gives the
 * failure back, so the per-network limit counts failures only.
 */
export async function countSignInAttempt(env: Env, ip: string | null): Promise<() => Promise<void>> {
  const network = ipOrUnknown(ip);
  await enforceLimit(env, limitKey.loginIp(network), authLimits.loginPerIp, 'sign-in attempts from this network');
  await enforceLimit(
    env,
    limitKey.loginFailuresIp(network),
    authLimits.loginFailuresPerIp,
    'failed sign-in attempts from this network',
  );
  return () => refundLimit(env, limitKey.loginFailuresIp(network));
}
