import encoded from './common-passwords.txt';

// Built on first use, not at import: most requests never check a new password, and module
// evaluation is paid by every cold start.
let decoded: ReadonlySet<string> | undefined;

/**
 * The most common passwords (see scripts/common-passwords.mjs), NFKC-normalised and lower-cased.
 * The list ships front-coded: each line is how many leading characters it shares with the one
 * before (one digit), then the rest of the password.
 */
export function commonPasswords(): ReadonlySet<string> {
  if (decoded) return decoded;
  const set = new Set<string>();
  let previous = '';
  for (const line of encoded.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const password = previous.slice(0, Number(line[0])) + line.slice(1);
    set.add(password);
    previous = password;
  }
  decoded = set;
  return set;
}
