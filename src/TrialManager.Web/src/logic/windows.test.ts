import { describe, expect, it } from 'vitest';
import { daysOutside, describeWindow, formatDate, windowFor } from './windows';

describe('follow-up windows', () => {
  it('runs from days before to days after the target, both ends inside, as the server counts', () => {
    const window = windowFor('2026-01-31', 183, 14, 28);
    expect(window).toEqual({ target: '2026-08-02', opens: '2026-07-19', closes: '2026-08-30' });
    expect(daysOutside(window, '2026-07-19')).toBe(0);
    expect(daysOutside(window, '2026-08-30')).toBe(0);
    expect(daysOutside(window, '2026-07-18')).toBe(-1);
    expect(daysOutside(window, '2026-09-02')).toBe(3);
  });

  it('crosses a leap day and a year end', () => {
    expect(windowFor('2028-02-28', 1, 0, 0).target).toBe('2028-02-29');
    expect(windowFor('2026-12-31', 1, 0, 0).target).toBe('2027-01-01');
  });

  it('says where the window stands in words that are the same in every locale', () => {
    const window = windowFor('2026-10-01', 0, 3, 11);
    expect(describeWindow(window, '2026-10-05')).toBe('open until 12 Oct 2026');
    expect(describeWindow(window, '2026-09-01')).toBe('opens 28 Sep 2026');
    expect(describeWindow(window, '2026-10-13')).toBe('closed 12 Oct 2026');
    expect(formatDate('2026-03-07')).toBe('7 Mar 2026');
  });
});
