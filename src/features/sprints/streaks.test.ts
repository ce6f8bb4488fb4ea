import { describe, expect, it } from 'vitest';
import { addDays, streakOf } from './streaks';

/** `count` consecutive days from `first`. */
const run = (first: string, count: number) => Array.from({ length: count }, (_, i) => addDays(first, i));

describe('addDays', () => {
  it('should step over month, year and leap-day ends', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-03-08', -89)).toBe('2025-12-09');
  });
});

describe('streakOf', () => {
  it('should be all zero with no streak days', () => {
    expect(streakOf([], '2026-06-10')).toEqual({
      current: 0,
      longest: 0,
      freezesHeld: 0,
      freezesUsed: [],
      needsSprintToday: false,
    });
  });

  it('should count today and not ask for another sprint', () => {
    expect(streakOf(['2026-06-10'], '2026-06-10')).toMatchObject({ current: 1, longest: 1, needsSprintToday: false });
  });

  it('should keep a streak alive through yesterday and say today still needs a sprint', () => {
    expect(streakOf(run('2026-06-07', 3), '2026-06-10')).toMatchObject({
      current: 3,
      longest: 3,
      needsSprintToday: true,
    });
  });

  it('should end the streak after a missed day with no freeze', () => {
    expect(streakOf(run('2026-06-05', 3), '2026-06-09')).toMatchObject({
      current: 0,
      longest: 3,
      freezesUsed: [],
      needsSprintToday: false,
    });
  });

  it('should restart after a gap and keep the longest', () => {
    const days = [...run('2026-06-01', 5), ...run('2026-06-08', 2)];
    expect(streakOf(days, '2026-06-09')).toMatchObject({ current: 2, longest: 5, needsSprintToday: false });
  });

  it('should earn a freeze for 7 days in a row and none for 6', () => {
    expect(streakOf(run('2026-06-01', 6), '2026-06-06').freezesHeld).toBe(0);
    expect(streakOf(run('2026-06-01', 7), '2026-06-07').freezesHeld).toBe(1);
    expect(streakOf(run('2026-06-01', 14), '2026-06-14').freezesHeld).toBe(2);
  });

  it('should hold at most 2 freezes', () => {
    expect(streakOf(run('2026-06-01', 21), '2026-06-21').freezesHeld).toBe(2);
    expect(streakOf(run('2026-06-01', 28), '2026-06-28').freezesHeld).toBe(2);
  });

  it('should spend a freeze on a missed day and keep the streak', () => {
    const days = [...run('2026-06-01', 7), ...run('2026-06-09', 2)];
    expect(streakOf(days, '2026-06-10')).toEqual({
      current: 9,
      longest: 9,
      freezesHeld: 0,
      freezesUsed: ['2026-06-08'],
      needsSprintToday: false,
    });
  });

  it('should keep the streak frozen through yesterday and still ask for today', () => {
    expect(streakOf(run('2026-06-01', 7), '2026-06-09')).toMatchObject({
      current: 7,
      freezesHeld: 0,
      freezesUsed: ['2026-06-08'],
      needsSprintToday: true,
    });
  });

  it('should break when the misses outnumber the freezes', () => {
    const days = [...run('2026-06-01', 7), ...run('2026-06-10', 1)];
    expect(streakOf(days, '2026-06-10')).toMatchObject({
      current: 1,
      longest: 7,
      freezesHeld: 0,
      freezesUsed: ['2026-06-08'],
    });
  });

  it('should spend two freezes on two missed days in a row', () => {
    const days = [...run('2026-06-01', 14), '2026-06-17'];
    expect(streakOf(days, '2026-06-17')).toMatchObject({
      current: 15,
      freezesHeld: 0,
      freezesUsed: ['2026-06-15', '2026-06-16'],
    });
  });

  it('should count 7 in a row afresh after a frozen day before earning again', () => {
    // 7 days earn one; the frozen 8th spends it; 6 more are not yet 7 in a row.
    const days = [...run('2026-06-01', 7), ...run('2026-06-09', 6)];
    expect(streakOf(days, '2026-06-14')).toMatchObject({ current: 13, freezesHeld: 0 });
    expect(streakOf([...days, '2026-06-15'], '2026-06-15')).toMatchObject({ current: 14, freezesHeld: 1 });
  });

  it('should not spend a freeze while there is no streak to keep', () => {
    const days = [...run('2026-06-01', 7), ...run('2026-06-08', 7)];
    // Two freezes held, then ten days away: two are spent, then the streak ends.
    const result = streakOf(days, '2026-06-25');
    expect(result).toMatchObject({ current: 0, longest: 14, freezesHeld: 0 });
    expect(result.freezesUsed).toEqual(['2026-06-15', '2026-06-16']);
  });

  it('should end a frozen streak at the next miss when no freeze is left', () => {
    const days = [...run('2026-06-01', 7), '2026-06-09', '2026-06-12'];
    // The 8th is frozen, the 10th breaks it (no freeze left), the 12th starts a new streak.
    expect(streakOf(days, '2026-06-12')).toMatchObject({
      current: 1,
      longest: 8,
      freezesUsed: ['2026-06-08'],
      needsSprintToday: false,
    });
  });

  it('should ignore duplicates and order', () => {
    expect(streakOf(['2026-06-03', '2026-06-01', '2026-06-02', '2026-06-02'], '2026-06-03')).toMatchObject({
      current: 3,
      longest: 3,
    });
  });

  it('should count a stored day after today (written in a zone ahead) without asking for today again', () => {
    // Written in Pacific/Kiritimati as the 11th; in Etc/GMT+12 it is still the 10th.
    expect(streakOf(['2026-06-09', '2026-06-11'], '2026-06-10')).toMatchObject({ current: 1 });
    expect(streakOf(['2026-06-10', '2026-06-11'], '2026-06-10')).toMatchObject({
      current: 2,
      needsSprintToday: false,
    });
  });

  it('should walk across month and year ends', () => {
    expect(streakOf(run('2026-12-29', 5), '2027-01-02')).toMatchObject({ current: 5, longest: 5 });
    expect(streakOf(run('2028-02-27', 3), '2028-02-29')).toMatchObject({ current: 3 });
  });
});
