import { describe, expect, it } from 'vitest';
import { truncate, wellFormed } from './text';

describe('truncate', () => {
  it('should leave text within the limit alone', () => {
    expect(truncate('short', 255)).toBe('short');
  });

  it('should drop an emoji whole rather than keep half of it', () => {
    expect(truncate('ab😀', 3)).toBe('ab');
    expect(truncate('ab😀', 4)).toBe('ab😀');
    expect(truncate('ab😀c', 4)).toBe('ab😀');
  });

  it('should never leave a lone surrogate at the end', () => {
    const name = `${'a'.repeat(254)}😀😀`;
    const cut = truncate(name, 255);
    expect(cut).toBe('a'.repeat(254));
    expect(wellFormed(cut)).toBe(cut);
  });
});

describe('wellFormed', () => {
  it('should replace lone surrogates with U+FFFD and keep pairs', () => {
    expect(wellFormed('a\ud800b\udc00c😀')).toBe('a\ufffdb\ufffdc😀');
  });
});
