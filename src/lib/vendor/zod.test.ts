import { describe, expect, it } from 'vitest';
import * as zod from 'zod';
// @ts-expect-error: a plain JS module, aliased in for the deployed bundle only (wrangler.toml [alias]).
import * as lean from './zod.js';

describe('the deployed zod (without locales)', () => {
  it('should export everything zod does but its locales', () => {
    // Tests import zod itself (the alias is for wrangler's bundle), so this compares against the real one.
    expect('locales' in zod).toBe(true);
    const wanted = Object.keys(zod).filter((name) => name !== 'locales');
    expect(Object.keys(lean).sort()).toEqual(wanted.sort());
    expect('locales' in lean.z).toBe(false);
    expect(lean.z.string().email().safeParse('nope').error?.issues[0]?.message).toBe('Invalid email address');
  });
});
