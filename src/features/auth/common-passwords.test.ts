import ranked from '@zxcvbn-ts/language-common/src/passwords.json';
import { describe, expect, it } from 'vitest';
import { commonPasswords } from './common-passwords';

describe('the common-password list', () => {
  it('should decode to exactly the 8-to-128-character entries of the ranked source list', () => {
    const expected = new Set(
      (ranked as string[])
        .map((entry) => entry.normalize('NFKC').toLowerCase())
        .filter((entry) => [...entry].length >= 8 && [...entry].length <= 128 && !/[\r\n]/.test(entry)),
    );
    const decoded = commonPasswords();
    expect(decoded.size).toBe(expected.size);
    for (const password of expected) expect(decoded.has(password), password).toBe(true);
    expect(decoded.has('a quiet hearth at dusk')).toBe(false);
  });
});
