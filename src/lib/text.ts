// A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone surrogates with U+FFFD, as storing the text in D1 (UTF-8) would
 * anyway, so what a response echoes is what was stored.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Cuts `text` to at most `maxUnits` UTF-16 code units (the unit our length
 * limits count in) without splitting a surrogate pair: a character outside the
 * Basic Multilingual Plane (most emoji) is kept whole or dropped whole, never
 * left as half a pair.
 *
 * @example
 * truncate('a😀', 2) // 'a'
 */
export function truncate(text: string, maxUnits: number): string {
  if (text.length <= maxUnits) return text;
  const last = text.charCodeAt(maxUnits - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, splitsPair ? maxUnits - 1 : maxUnits);
}
