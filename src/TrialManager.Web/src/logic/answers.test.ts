import { describe, expect, it } from 'vitest';
import type { Instrument, Item } from '../api/types';
import { controlOf, describeAnswer, differingItems, localProblem, parseTyped, placeViolations, pointForKey, progressOf } from './answers';

const likert = (code: string, min = 0, max = 4, required = true): Item => ({ code, label: `Item ${code}`, type: 'integer', min, max, required });
const qpr: Instrument = {
  code: 'QPR',
  version: 1,
  title: 'QPR',
  items: [likert('q1'), likert('q2'), likert('q3'), { code: 'note', label: 'Note', type: 'text' }],
  missingCodes: [
    { value: -99, label: 'refused' },
    { value: -98, label: 'not applicable' },
  ],
};

describe('controls', () => {
  it('shows short whole-number scales as choices and wider ones as typed numbers', () => {
    expect(controlOf(likert('a', 0, 4))).toBe('likert');
    expect(controlOf(likert('a', 1, 7))).toBe('likert');
    expect(controlOf(likert('a', 0, 9))).toBe('likert');
    expect(controlOf(likert('a', 0, 10))).toBe('number');
    expect(controlOf({ code: 'age', label: 'Age', type: 'integer', min: 18, max: 120 })).toBe('number');
    expect(controlOf({ code: 'w', label: 'Weight', type: 'decimal', min: 0, max: 4 })).toBe('number');
    expect(controlOf({ code: 'c', label: 'Choice', type: 'choice', options: [] })).toBe('choice');
  });

  it('lets a number key choose exactly the points of the scale', () => {
    const mansa = likert('m', 1, 7);
    expect(pointForKey(mansa, '1')).toBe(1);
    expect(pointForKey(mansa, '7')).toBe(7);
    expect(pointForKey(mansa, '0')).toBeNull();
    expect(pointForKey(mansa, '8')).toBeNull();
    expect(pointForKey(likert('q', 0, 4), '0')).toBe(0);
    expect(pointForKey(likert('q', 0, 4), 'a')).toBeNull();
    expect(pointForKey(likert('q', 0, 4), 'Enter')).toBeNull();
  });
});

describe('progress', () => {
  it('counts a missing-data code as answered, and names the required items still empty', () => {
    const progress = progressOf(qpr, { q1: 3, q2: -99, q3: null });
    expect(progress.answered).toBe(2);
    expect(progress.total).toBe(4);
    expect(progress.requiredEmpty.map((i) => i.code)).toEqual(['q3']);
  });

  it('does not count an empty text as an answer', () => {
    expect(progressOf(qpr, { note: '' }).answered).toBe(0);
  });
});

describe('typed answers', () => {
  const age: Item = { code: 'age', label: 'Age', type: 'integer', min: 18, max: 120 };
  it('parses numbers, keeps what is not a number for the user to correct', () => {
    expect(parseTyped(age, ' 42 ')).toBe(42);
    expect(parseTyped({ ...age, type: 'decimal' }, '3,5')).toBe(3.5);
    expect(parseTyped(age, '')).toBeNull();
    expect(parseTyped(age, 'forty')).toBe('forty');
    // Not finite: kept as typed, so it is never sent as a number (JSON has no Infinity).
    expect(parseTyped(age, 'Infinity')).toBe('Infinity');
    expect(parseTyped(age, '1e400')).toBe('1e400');
    expect(localProblem(age, parseTyped(age, '1e400'), qpr)).toMatch(/Enter a number/);
    expect(localProblem(age, -1e308, qpr)).toMatch(/lowest/);
  });

  it('warns of values outside the range, but never of a missing-data code', () => {
    expect(localProblem(age, 17, qpr)).toMatch(/lowest allowed value is 18/);
    expect(localProblem(age, 121, qpr)).toMatch(/highest/);
    expect(localProblem(age, 42.5, qpr)).toMatch(/whole number/);
    expect(localProblem(age, 'forty', qpr)).toMatch(/number/);
    expect(localProblem(age, -99, qpr)).toBeNull();
    expect(localProblem(age, 42, qpr)).toBeNull();
  });
});

describe('server violations', () => {
  it('are placed on the item they name and the rest kept for the whole form', () => {
    const placed = placeViolations(qpr, [
      { field: 'answers.q2', rule: 'range', message: 'q2 must be 0 to 4.' },
      { field: 'answers["q3"]', rule: 'required', message: 'q3 is required.' },
      { field: 'assessedOn', rule: 'not-future', message: 'Not in the future.' },
      { field: 'answers.nope', rule: 'unknown-item', message: 'No such item.' },
    ]);
    expect(placed.byItem).toEqual({ q2: ['q2 must be 0 to 4.'], q3: ['q3 is required.'] });
    expect(placed.general.map((v) => v.field)).toEqual(['assessedOn', 'answers.nope']);
  });
});

describe('conflicts', () => {
  it('lists only the items whose answers differ, treating absent as no answer', () => {
    expect(differingItems(qpr, { q1: 1, q2: 2 }, { q1: 1, q2: 3, q3: null }).map((i) => i.code)).toEqual(['q2']);
  });

  it('describes answers in words', () => {
    expect(describeAnswer(qpr, qpr.items[0], -98)).toBe('missing: not applicable');
    expect(describeAnswer(qpr, qpr.items[0], undefined)).toBe('no answer');
    expect(describeAnswer(qpr, qpr.items[0], 3)).toBe('3');
  });
});
