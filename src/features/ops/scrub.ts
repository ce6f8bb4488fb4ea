/**
 * What leaves the worker in an error report, and what never does. Reports go
 * to a third party (Sentry) and to the admin page; neither needs a secret to
 * find a bug, and a leaked one outlives the bug.
 */

/** Headers no report carries, whatever their value: credentials, and the client's address (personal data). */
const SECRET_HEADER =
  /authorization|cookie|token|secret|key|password|admission|signature|jwt|assertion|session|ip$|forwarded/i;

const REPLACEMENTS: [RegExp, string][] = [
  // JWTs (access tokens, ID tokens) wherever they appear.
  [/eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*/g, '[jwt]'],
  // Email addresses, whole, before the digit and random-run rules below can cut into one.
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[email]'],
  // `Bearer <token>` in a message that quotes a header.
  [/bearer\s+[\w.~+/=-]+/gi, 'Bearer [redacted]'],
  // A password or secret may hold spaces: after its name, the whole quoted value or the rest of the field goes.
  [/((?:[\w-]*(?:password|passphrase|secret))["']?\s*[=:]\s*)(?:"[^"]*"|'[^']*'|[^&,;\n]+)/gi, '$1[redacted]'],
  // `token=…`, `password: "…"`, `"refreshToken":"…"`, `sig=…` in URLs, JSON and prose.
  [
    /((?:[\w-]*(?:token|password|secret|signature|api[_-]?key|code|sig))["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi,
    '$1[redacted]',
  ],
  // Long random-looking runs: refresh tokens, ticket nonces, signed URL parts.
  [/[A-Za-z0-9_-]{32,}/g, '[redacted]'],
  // Six or more digits in a row: one-time codes and phone numbers.
  [/\d{6,}/g, '[digits]'],
];

/** `text` with tokens, passwords, codes, phone numbers and email addresses replaced. */
export function scrubText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of REPLACEMENTS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

/** A URL without its query string or fragment: `?token=…`, `?sig=…` stay out. */
export function scrubUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '';
  }
}

/** The request's headers a report may carry: none that authenticate, identify a session or locate the client. */
export function safeHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) if (!SECRET_HEADER.test(name)) kept[name] = value;
  return kept;
}
