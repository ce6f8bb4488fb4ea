import { describe, expect, it } from 'vitest';
import { localDate } from './local-date';

describe('localDate', () => {
  it('should name the calendar day in the given zone, across offsets, DST and the date line', () => {
    const at = Date.parse('2026-03-08T06:30:00Z');
    expect(localDate(at, 'UTC')).toBe('2026-03-08');
    // New York springs forward at 07:00 UTC that day; 06:30 UTC is still 01:30 EST.
    expect(localDate(at, 'America/New_York')).toBe('2026-03-08');
    expect(localDate(Date.parse('2026-03-08T04:59:00Z'), 'America/New_York')).toBe('2026-03-07');
    expect(localDate(Date.parse('2026-12-31T10:30:00Z'), 'Pacific/Kiritimati')).toBe('2027-01-01');
    expect(localDate(Date.parse('2027-01-01T11:30:00Z'), 'Etc/GMT+12')).toBe('2026-12-31');
    // Lord Howe's half-hour shift.
    expect(localDate(Date.parse('2026-10-03T13:29:00Z'), 'Australia/Lord_Howe')).toBe('2026-10-03');
    expect(localDate(Date.parse('2026-10-03T13:31:00Z'), 'Australia/Lord_Howe')).toBe('2026-10-04');
  });

  it('should fall back to UTC for a missing or unknown zone', () => {
    expect(localDate(Date.parse('2026-06-01T23:30:00Z'), null)).toBe('2026-06-01');
    expect(localDate(Date.parse('2026-06-01T23:30:00Z'), 'Mars/Olympus')).toBe('2026-06-01');
  });
});
