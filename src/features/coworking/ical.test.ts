import { describe, expect, it } from 'vitest';
import { calendarOf, escapeText, foldLine, icalDate } from './ical';

const octets = (text: string) => new TextEncoder().encode(text).length;

describe('iCalendar writing', () => {
  it('should write UTC date-times without separators', () => {
    expect(icalDate(new Date('2026-12-02T14:05:09.123Z'))).toBe('20261202T140509Z');
  });

  it('should escape backslashes, separators and newlines', () => {
    expect(escapeText('a\\b; c, d\ne')).toBe('a\\\\b\\; c\\, d\\ne');
  });

  it('should fold at 75 octets without splitting a character', () => {
    const line = `DESCRIPTION:${'é'.repeat(100)}😀${'x'.repeat(100)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(octets(part)).toBeLessThanOrEqual(75);
    expect(parts.slice(1).every((part) => part.startsWith(' '))).toBe(true);
    expect(folded.replaceAll('\r\n ', '')).toBe(line);
  });

  it('should end every line with CRLF and leave out GEO when there is no place', () => {
    const text = calendarOf({
      uid: 'a@b',
      stamp: new Date(0),
      start: new Date(0),
      end: new Date(60_000),
      summary: 's',
      description: 'd',
      url: 'https://x.test/c/ABC',
    });
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(text).not.toContain('GEO:');
  });
});
