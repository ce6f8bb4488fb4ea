// No imports: the request schemas (auth.schemas.ts), which the web app's types read, normalise with it too.

/** The one form an email is stored and compared in: trimmed, NFKC-normalised, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}
