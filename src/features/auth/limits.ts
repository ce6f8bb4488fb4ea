import type { LimitRule } from '../../limiter';

/**
 * Every throttle on the sign-in paths, in one place. Counters are exact (one
 * Durable Object per key); keys name what they count.
 */
export const authLimits = {
  /** Sign-in attempts per account, successful or not; a success clears it. */
  loginPerAccount: { limit: 10, windowSeconds: 15 * 60 },
  loginPerIp: { limit: 30, windowSeconds: 15 * 60 },
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
  registerIp: (ip: string) => `register:ip:${ip}`,
  emailAddress: (purpose: string, email: string) => `email:${purpose}:${email}`,
  emailIp: (ip: string) => `email:ip:${ip}`,
  otpPhone: (phone: string) => `otp:phone:${phone}`,
  otpIp: (ip: string) => `otp:ip:${ip}`,
};

/** Requests without CF-Connecting-IP (local tools) share one bucket rather than escaping the limit. */
export const ipOrUnknown = (ip: string | null) => ip ?? 'unknown';
