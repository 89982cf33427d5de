import { useState } from 'preact/hooks';
import { post } from '../api/http';
import type { Answer, Query, TrialRole } from '../api/types';
import { newIdempotencyKey } from '../logic/retry';
import { formatDateTime } from '../logic/windows';
import { can } from '../roles';
import { describeError } from './common';

/** One data query in place on its item: the question, the answer, and what this role may do next. */
export function QueryThread({ trialId, query, role, currentAnswer, onChanged }: { trialId: string; query: Query; role: TrialRole; currentAnswer?: Answer; onChanged: (query: Query) => void }) {
  const [text, setText] = useState('');
  const [correct, setCorrect] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newIdempotencyKey);
  const id = `query-${query.id}`;

  async function act(path: string, body: unknown) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await post<Query>(`/trials/${trialId}/queries/${query.id}/${path}`, body, key));
      setText('');
      setKey(newIdempotencyKey());
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  const answerable = can.enterData(role) && query.status === 'open';
  const closable = can.monitor(role) && query.status !== 'closed';
  const reopenable = can.monitor(role) && query.status !== 'open';
  return (
    <div class={`query query-${query.status}`} role="group" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`} class="query-title">
        <span class="flag" aria-hidden="true">⚑</span> Query ({query.status}), raised {formatDateTime(query.raisedAt)}
      </p>
      <p class="query-question">{query.question}</p>
      {query.answer && (
        <p class="query-answer">
          <strong>Answer:</strong> {query.answer}
        </p>
      )}
      {query.closeNote && (
        <p class="query-answer">
          <strong>Closed:</strong> {query.closeNote}
        </p>
      )}
      {(answerable || closable || reopenable) && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (answerable) {
              if (!text.trim()) return setError('Write an answer.');
              act('answers', {
                text: text.trim(),
                correction: correct && query.itemCode ? { itemCode: query.itemCode, value: currentAnswer ?? null, reason: text.trim() } : undefined,
              });
            }
          }}
        >
          <label for={`${id}-text`}>{answerable ? 'Your answer' : 'Note (optional)'}</label>
          <textarea id={`${id}-text`} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          {answerable && query.itemCode && (
            <label class="choice">
              <input type="checkbox" checked={correct} onChange={(e) => setCorrect(e.currentTarget.checked)} />
              Correct the item to the value now in the form
            </label>
          )}
          {error && (
            <p class="field-error" role="alert">
              {error}
            </p>
          )}
          <div class="actions">
            {answerable && (
              <button type="submit" disabled={busy}>
                Send answer
              </button>
            )}
            {closable && (
              <button type="button" disabled={busy} onClick={() => act('close', { note: text.trim() || undefined })}>
                Close query
              </button>
            )}
            {reopenable && (
              <button type="button" disabled={busy} onClick={() => act('reopen', { note: text.trim() || undefined })}>
                Re-open query
              </button>
            )}
          </div>
        </form>
      )}
    </div>
  );
}

/** A monitor raises a query on an item (or on the whole assessment). */
export function RaiseQuery({ trialId, assessmentId, itemCode, label, onRaised }: { trialId: string; assessmentId: string; itemCode?: string; label: string; onRaised: (query: Query) => void }) {
  const [open, setOpen] = useState(false);
  const [question, setQuestion] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(newIdempotencyKey);
  const id = `raise-${assessmentId}-${itemCode ?? 'all'}`;
  if (!open)
    return (
      <button type="button" class="small" onClick={() => setOpen(true)}>
        Raise a query<span class="sr-only"> on {label}</span>
      </button>
    );
  return (
    <form
      class="raise"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!question.trim()) return setError('Write the question.');
        try {
          onRaised(await post<Query>(`/trials/${trialId}/queries`, { assessmentId, itemCode, question: question.trim() }, key));
          setOpen(false);
          setQuestion('');
          setKey(newIdempotencyKey());
        } catch (failure) {
          setError(describeError(failure));
        }
      }}
    >
      <label for={id}>Question about {label}</label>
      <textarea id={id} value={question} onInput={(e) => setQuestion(e.currentTarget.value)} />
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit">Raise query</button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
