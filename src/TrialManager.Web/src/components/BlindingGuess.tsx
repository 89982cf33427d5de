import { useState } from 'preact/hooks';
import { post } from '../api/http';
import type { Trial } from '../api/types';
import { newIdempotencyKey } from '../logic/retry';
import { describeError } from './common';

/**
 * After a follow-up assessment the assessor records which arm they think the participant is in, to measure how well
 * the blind held. The answer says nothing back about whether the guess was right.
 */
export function BlindingGuess({ trial, participantId, timepointCode }: { trial: Trial; participantId: string; timepointCode: string }) {
  const [guess, setGuess] = useState('');
  const [confidence, setConfidence] = useState('');
  const [state, setState] = useState<{ kind: 'idle' | 'saved' | 'error'; text?: string }>({ kind: 'idle' });
  const [key] = useState(newIdempotencyKey);
  const name = `guess-${timepointCode}`;
  async function submit(event: Event) {
    event.preventDefault();
    if (!guess || !confidence) return setState({ kind: 'error', text: 'Choose a guess and how sure you are.' });
    try {
      await post(`/trials/${trial.id}/participants/${participantId}/blinding-guesses`, { timepointCode, guess, confidence: Number(confidence) }, key);
      setState({ kind: 'saved', text: 'Your guess is recorded.' });
    } catch (error) {
      setState({ kind: 'error', text: describeError(error) });
    }
  }
  if (state.kind === 'saved')
    return (
      <section aria-labelledby={`${name}-title`} class="blinding">
        <h2 id={`${name}-title`}>Assessor's blinding guess</h2>
        <p role="status">{state.text}</p>
      </section>
    );
  return (
    <section aria-labelledby={`${name}-title`} class="blinding">
      <h2 id={`${name}-title`}>Assessor's blinding guess</h2>
      <form onSubmit={submit}>
        <fieldset>
          <legend>Which group do you think this participant's team is in?</legend>
          {[...trial.arms.map((arm) => ({ value: arm.code, label: arm.label })), { value: 'dont-know', label: "I don't know" }].map((option) => (
            <label key={option.value} class="choice">
              <input type="radio" name={name} value={option.value} checked={guess === option.value} onChange={() => setGuess(option.value)} />
              {option.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>How sure are you? (1 = not at all, 5 = certain)</legend>
          <div class="scale">
            {[1, 2, 3, 4, 5].map((level) => (
              <label key={level} class="point">
                <input type="radio" name={`${name}-confidence`} value={String(level)} checked={confidence === String(level)} onChange={() => setConfidence(String(level))} />
                <span>{level}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {state.kind === 'error' && (
          <p class="field-error" role="alert">
            {state.text}
          </p>
        )}
        <button type="submit">Record guess</button>
      </form>
    </section>
  );
}
