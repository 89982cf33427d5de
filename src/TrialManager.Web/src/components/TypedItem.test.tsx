import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer, Instrument, Item } from '../api/types';
import { ItemControl } from './ItemControl';

const instrument = (item: Item): Instrument => ({ code: 'T', version: 1, title: 'T', items: [item], missingCodes: [{ value: -98, label: 'not applicable' }] });

function Harness({ item, log }: { item: Item; log: Answer[] }) {
  const [answer, setAnswer] = useState<Answer>(null);
  return <ItemControl instrument={instrument(item)} item={item} number={4} answer={answer} readOnly={false} invalid={false} onAnswer={(a) => (setAnswer(a), log.push(a))} />;
}

describe('items of any trial instrument', () => {
  afterEach(cleanup);

  it('a wide number is typed, with its range in the label and a missing-data code beside it', () => {
    const log: Answer[] = [];
    render(<Harness item={{ code: 'age', label: 'Age in years', type: 'integer', min: 18, max: 120 }} log={log} />);
    const input = screen.getByLabelText(/Age in years/) as HTMLInputElement;
    expect(screen.getByText(/18–120/)).toBeTruthy();
    fireEvent.input(input, { target: { value: '42' } });
    expect(log).toEqual([42]);
    fireEvent.change(screen.getByLabelText('Missing-data code for item 4'), { target: { value: '-98' } });
    expect(log).toEqual([42, -98]);
    // A missing code replaces the value: the box is emptied and cannot be typed into.
    expect(input.value).toBe('');
    expect(input.disabled).toBe(true);
  });

  it('a choice item offers its options by label and answers their values', () => {
    const log: Answer[] = [];
    render(<Harness item={{ code: 'friend', label: 'Has a close friend', type: 'choice', options: [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }] }} log={log} />);
    fireEvent.click(screen.getByRole('radio', { name: 'No' }));
    expect(log).toEqual(['no']);
    expect(screen.getByRole('group', { name: /Has a close friend/ })).toBeTruthy();
  });

  it('a date is a date field', () => {
    const log: Answer[] = [];
    render(<Harness item={{ code: 'd', label: 'Date of discharge', type: 'date' }} log={log} />);
    const input = screen.getByLabelText(/Date of discharge/) as HTMLInputElement;
    expect(input.type).toBe('date');
    fireEvent.input(input, { target: { value: '2026-11-30' } });
    expect(log).toEqual(['2026-11-30']);
  });
});
