import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { useState } from 'preact/hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer, Instrument } from '../api/types';
import { ItemControl } from './ItemControl';

const hhi: Instrument = {
  code: 'HHI',
  version: 1,
  title: 'HHI',
  items: [{ code: 'h1', label: 'HHI item 1', type: 'integer', min: 1, max: 4, required: true }],
  missingCodes: [{ value: -99, label: 'refused' }],
};

function Harness({ onAnswer }: { onAnswer: (a: Answer) => void }) {
  const [answer, setAnswer] = useState<Answer>(null);
  return <ItemControl instrument={hhi} item={hhi.items[0]} number={1} answer={answer} readOnly={false} invalid={false} onAnswer={(a) => (setAnswer(a), onAnswer(a))} />;
}

describe('a Likert item', () => {
  afterEach(cleanup);

  it('is a labelled radio group whose number keys choose a point and keep the focus on it', () => {
    const chosen: Answer[] = [];
    render(<Harness onAnswer={(a) => chosen.push(a)} />);
    const group = screen.getByRole('group', { name: /HHI item 1/ });
    const first = screen.getByRole('radio', { name: '1' });
    first.focus();
    fireEvent.keyDown(first, { key: '3' });
    expect(chosen).toEqual([3]);
    expect((screen.getByRole('radio', { name: '3' }) as HTMLInputElement).checked).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole('radio', { name: '3' }));
    fireEvent.keyDown(group, { key: '9' });
    fireEvent.keyDown(group, { key: '0' });
    expect(chosen).toEqual([3]);
  });

  it('offers the missing-data codes as deliberate choices, not numbers to type', () => {
    const chosen: Answer[] = [];
    render(<Harness onAnswer={(a) => chosen.push(a)} />);
    fireEvent.click(screen.getByRole('radio', { name: /Missing: refused/ }));
    expect(chosen).toEqual([-99]);
  });
});
