import { useState } from 'preact/hooks';
import type { Answers, Assessment, Instrument } from '../api/types';
import { describeAnswer, differingItems } from '../logic/answers';
import { formatDateTime } from '../logic/windows';

/**
 * Someone else saved this assessment after it was opened here (412). Both versions are shown side by side, item by
 * item; nothing is overwritten until the user chooses.
 */
export function ConflictPanel(props: { instrument: Instrument; base: Answers; mine: Answers; theirs: Assessment; onResolve: (answers: Answers, theirs: Assessment) => void }) {
  const { instrument, base, mine, theirs, onResolve } = props;
  const items = differingItems(instrument, mine, theirs.answers);
  // Each item starts at the answer that changed it: mine where I changed it, theirs where they did.
  const [keepMine, setKeepMine] = useState<Record<string, boolean>>(() => Object.fromEntries(items.map((item) => [item.code, (mine[item.code] ?? null) !== (base[item.code] ?? null)])));
  const merged = () => {
    const answers: Answers = { ...theirs.answers };
    for (const item of items) answers[item.code] = keepMine[item.code] ? (mine[item.code] ?? null) : (theirs.answers[item.code] ?? null);
    return answers;
  };
  return (
    <section class="conflict" role="alert" aria-labelledby={`conflict-${instrument.code}`}>
      <h3 id={`conflict-${instrument.code}`}>Someone else changed this assessment</h3>
      <p>
        It was saved by another user at {formatDateTime(theirs.updatedAt)} (now {theirs.status}) while you were editing. Your answers were not saved. Choose, item by item,
        which answer to keep.
      </p>
      {items.length === 0 ? (
        <p>Their answers are the same as yours.</p>
      ) : (
        <table>
          <caption class="sr-only">Answers that differ</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Their answer</th>
              <th scope="col">Your answer</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.code}>
                <th scope="row">{item.label}</th>
                <td>
                  <label class="choice">
                    <input type="radio" name={`keep-${item.code}`} checked={!keepMine[item.code]} onChange={() => setKeepMine({ ...keepMine, [item.code]: false })} />
                    {describeAnswer(instrument, item, theirs.answers[item.code])}
                  </label>
                </td>
                <td>
                  <label class="choice">
                    <input type="radio" name={`keep-${item.code}`} checked={keepMine[item.code]} onChange={() => setKeepMine({ ...keepMine, [item.code]: true })} />
                    {describeAnswer(instrument, item, mine[item.code])}
                  </label>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="actions">
        <button type="button" class="primary" onClick={() => onResolve(merged(), theirs)}>
          Use the chosen answers
        </button>
        <button type="button" onClick={() => onResolve({ ...theirs.answers }, theirs)}>
          Discard mine, keep theirs
        </button>
      </div>
    </section>
  );
}
