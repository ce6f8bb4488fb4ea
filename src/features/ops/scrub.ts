/**
 * What leaves the worker in an error report, and what never does. Reports go
 * to a third party (Sentry) and to the admin page; neither needs a secret to
 * find a bug, and a leaked one outlives the bug.
 */

/** Headers no report carries, whatever their value. */
const SECRET_HEADER = /authorization|cookie|token|secret|key|password|admission|signature/i;

const REPLACEMENTS: [RegExp, string][] = [
  // JWTs (access tokens, ID tokens) wherever they appear.
  [/eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]*/g, '[jwt]'],
  // `Bearer <token>` in a message that quotes a header.
  [/bearer\s+[\w.~+/=-]+/gi, 'Bearer [redacted]'],
  // `token=…`, `password: "…"`, `"refreshToken":"…"`, `sig=…` in URLs, JSON and prose.
  [
    /((?:[\w-]*(?:token|password|secret|signature|api[_-]?key|code|sig))["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi,
    '$1[redacted]',
  ],
  // Long random-looking runs: refresh tokens, ticket nonces, signed URL parts.
  [/[A-Za-z0-9_-]{32,}/g, '[redacted]'],
  // Six or more digits in a row: one-time codes and phone numbers.
  [/\d{6,}/g, '[digits]'],
  // Email addresses.
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '[email]'],
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

/** The request's headers a report may carry: none that authenticate or identify a session. */
export function safeHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) if (!SECRET_HEADER.test(name)) kept[name] = value;
  return kept;
}
