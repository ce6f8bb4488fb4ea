// Response bodies of the API routes the web app calls, as SPEC §3 and the
// route schemas (src/features/*/*.routes.ts) define them.

export type CheckState = 'ok' | 'fail';

/** `GET /api/health`: 200 when every check is ok, 503 (same body) when one fails. */
export interface Health {
  status: CheckState;
  checks: { db: CheckState; kv: CheckState; storage: CheckState; config: CheckState };
  /** Why each failing check failed, in words an operator can act on. */
  problems: string[];
  version: string;
}

export type HealthCheckName = keyof Health['checks'];

/** `GET /api/meta`: public facts about this deployment. */
export interface Meta {
  name: 'Hearth';
  version: string;
  environment: 'development' | 'production' | 'test';
  /** Configured OpenID Connect sign-in providers; `/api/auth/oauth/<id>` starts one. */
  providers?: { id: string; name: string }[];
}

export type UserStatus = 'active' | 'deactivated';

/** The public user, as every auth, users and admin route returns it. */
export interface User {
  id: string;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  name: string | null;
  timezone: string | null;
  settings: Record<string, unknown>;
  status: UserStatus;
  /** Role names, e.g. `['admin', 'user']`. */
  roles: string[];
  createdAt: string;
  updatedAt: string;
}

/** What register, login, OTP verify and refresh answer; the refresh token stays in its HttpOnly cookie. */
export interface SignedIn {
  user: User;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

/** One signed-in device, from `GET /api/auth/sessions`. */
export interface DeviceSession {
  id: string;
  /** The session making this request. */
  current: boolean;
  client: 'web' | 'native';
  deviceLabel: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
}

export interface Role {
  id: string;
  name: string;
  description: string | null;
  /** `admin` and `user`: they cannot be deleted. */
  builtIn: boolean;
  createdAt: string;
}

/** Every list: SPEC §2. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Accepted {
  status: 'accepted';
}
