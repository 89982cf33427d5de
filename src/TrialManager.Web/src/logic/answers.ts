import type { Answer, Answers, Instrument, Item, Violation } from '../api/types';

// How an instrument's items are answered on screen, without any DOM: kinds of control, the number keys, missing-data
// codes, progress and where the server's violations belong.

export type Control = 'likert' | 'number' | 'choice' | 'text' | 'date';

/** A whole-number item with a short range (QPR 0–4, HHI 1–4, MANSA 1–7) is a row of choices; anything wider is typed. */
export const maxLikertPoints = 10;

export function controlOf(item: Item): Control {
  if (item.type === 'integer' && item.min != null && item.max != null && item.max - item.min + 1 <= maxLikertPoints && item.max >= item.min)
    return 'likert';
  if (item.type === 'integer' || item.type === 'decimal') return 'number';
  return item.type;
}

export function likertPoints(item: Item): number[] {
  const points: number[] = [];
  for (let value = item.min!; value <= item.max!; value++) points.push(value);
  return points;
}

/** The point a number key chooses: the digit itself when it is a point of the scale (0–9), else nothing. */
export function pointForKey(item: Item, key: string): number | null {
  if (!/^[0-9]$/.test(key)) return null;
  const value = Number(key);
  return likertPoints(item).includes(value) ? value : null;
}

export function isMissingCode(instrument: Instrument, answer: Answer): boolean {
  return typeof answer === 'number' && instrument.missingCodes.some((code) => code.value === answer);
}

export function isAnswered(answer: Answer | undefined): boolean {
  return answer !== null && answer !== undefined && answer !== '';
}

export interface Progress {
  answered: number;
  total: number;
  /** Required items with neither a value nor a missing-data code. */
  requiredEmpty: Item[];
}

/** A missing-data code counts as answered: it is a deliberate answer that says why there is no value. */
export function progressOf(instrument: Instrument, answers: Answers): Progress {
  const answered = instrument.items.filter((item) => isAnswered(answers[item.code])).length;
  const requiredEmpty = instrument.items.filter((item) => item.required && !isAnswered(answers[item.code]));
  return { answered, total: instrument.items.length, requiredEmpty };
}

/** Parses what was typed into a number item; text that is not a number is kept as typed for the user to correct. */
export function parseTyped(item: Item, text: string): Answer {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (item.type === 'integer' || item.type === 'decimal') {
    const value = Number(trimmed.replace(',', '.'));
    return Number.isFinite(value) ? value : trimmed;
  }
  return text;
}

/** A soft check before saving, as REDCap's range warning: the server's validation stays the truth. */
export function localProblem(item: Item, answer: Answer, instrument: Instrument): string | null {
  if (!isAnswered(answer) || isMissingCode(instrument, answer)) return null;
  if ((item.type === 'integer' || item.type === 'decimal') && typeof answer !== 'number') return 'Enter a number.';
  if (typeof answer === 'number') {
    if (item.type === 'integer' && !Number.isInteger(answer)) return 'Enter a whole number.';
    if (item.min != null && answer < item.min) return `The lowest allowed value is ${item.min}.`;
    if (item.max != null && answer > item.max) return `The highest allowed value is ${item.max}.`;
  }
  return null;
}

export interface PlacedViolations {
  byItem: Record<string, string[]>;
  /** Violations of the assessment as a whole (its date, status or reason). */
  general: Violation[];
}

/** Puts each violation on the item it names (`answers.q3`, `answers["q3"]` or `q3`). */
export function placeViolations(instrument: Instrument, violations: Violation[]): PlacedViolations {
  const codes = new Set(instrument.items.map((item) => item.code));
  const byItem: Record<string, string[]> = {};
  const general: Violation[] = [];
  for (const violation of violations) {
    const match = /^(?:answers|correction)?[.[]?"?([^"\]]+)"?\]?$/.exec(violation.field) ?? undefined;
    const code = [violation.field.replace(/^answers\./, ''), match?.[1]].find((candidate) => candidate !== undefined && codes.has(candidate));
    if (code) (byItem[code] ??= []).push(violation.message);
    else general.push(violation);
  }
  return { byItem, general };
}

/** Items whose answers differ between two versions (for the conflict view). */
export function differingItems(instrument: Instrument, mine: Answers, theirs: Answers): Item[] {
  return instrument.items.filter((item) => (mine[item.code] ?? null) !== (theirs[item.code] ?? null));
}

/** The words for an answer: the option's or missing code's label, or the value itself. */
export function describeAnswer(instrument: Instrument, item: Item, answer: Answer | undefined): string {
  if (!isAnswered(answer)) return 'no answer';
  const missing = instrument.missingCodes.find((code) => code.value === answer);
  if (missing) return `missing: ${missing.label}`;
  const option = item.options?.find((o) => o.value === answer);
  return option ? `${option.label} (${option.value})` : String(answer);
}
