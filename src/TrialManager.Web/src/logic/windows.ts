// A timepoint's window from the participant's baseline, as the server computes it (FollowUpWindows): the target day
// is baseline + offset; the window runs from `before` days ahead of it to `after` days past it, both days inside.

export interface Window {
  target: string;
  opens: string;
  closes: string;
}

const dayMs = 86_400_000;

function dayNumber(isoDate: string): number {
  const [year, month, day] = isoDate.split('-').map(Number);
  return Date.UTC(year, month - 1, day) / dayMs;
}

function isoDay(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

export function windowFor(baseline: string, offsetDays: number, daysBefore: number, daysAfter: number): Window {
  const target = dayNumber(baseline) + offsetDays;
  return { target: isoDay(target), opens: isoDay(target - daysBefore), closes: isoDay(target + daysAfter) };
}

/** 0 inside the window; otherwise days early (negative) or late (positive). */
export function daysOutside(window: Window, on: string): number {
  const day = dayNumber(on);
  if (day < dayNumber(window.opens)) return day - dayNumber(window.opens);
  if (day > dayNumber(window.closes)) return day - dayNumber(window.closes);
  return 0;
}

/** "open until 12 Oct 2026", "opens 3 Nov 2026", "closed 1 Sep 2026" for the visit's heading. */
export function describeWindow(window: Window, today: string): string {
  const outside = daysOutside(window, today);
  if (outside < 0) return `opens ${formatDate(window.opens)}`;
  if (outside > 0) return `closed ${formatDate(window.closes)}`;
  return `open until ${formatDate(window.closes)}`;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Unambiguous in every locale (12 Oct 2026), unlike 10/12/2026. */
export function formatDate(isoDate: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number);
  return `${day} ${months[month - 1]} ${year}`;
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${formatDate(iso)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

export function todayIso(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
