import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, OfflineError, post, send } from '../api/http';
import { all } from '../api/pages';
import { loadInstrument } from '../api/outcomes';
import type { Answer, Answers, Assessment, Instrument, Participant, Query, Timepoint } from '../api/types';
import { controlOf, isAnswered, localProblem, placeViolations, progressOf, type PlacedViolations } from '../logic/answers';
import { DraftStore, type SaveRequest } from '../logic/drafts';
import { newIdempotencyKey } from '../logic/retry';
import { AssessmentSaver } from '../logic/saver';
import { formatDateTime, todayIso } from '../logic/windows';
import { can } from '../roles';
import { href } from '../router';
import type { TrialContext } from '../trial';
import { describeError, ErrorNotice, StatusBadge } from './common';
import { ConflictPanel } from './ConflictPanel';
import { ItemControl } from './ItemControl';
import { QueryThread, RaiseQuery } from './QueryThread';
import { ReasonDialog } from './ReasonDialog';

/** How long after the last change a draft is saved to the server without asking. */
export const autosaveAfterMs = 20_000;

interface Props {
  context: TrialContext;
  participant: Participant;
  timepoint: Timepoint;
  instrumentCode: string;
  initial: Assessment | undefined;
}

export function AssessmentSection(props: Props) {
  const [instrument, setInstrument] = useState<Instrument | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => {
    loadInstrument(props.context.trial.id, props.instrumentCode).then(setInstrument, setFailure);
  }, [props.context.trial.id, props.instrumentCode]);
  return (
    <section class="assessment" aria-labelledby={`title-${props.instrumentCode}`}>
      {failure ? <ErrorNotice error={failure} /> : !instrument ? <p role="status">Loading {props.instrumentCode}…</p> : <AssessmentForm {...props} instrument={instrument} />}
    </section>
  );
}

function AssessmentForm({ context, participant, timepoint, instrumentCode, initial, instrument }: Props & { instrument: Instrument }) {
  const trialId = context.trial.id;
  const drafts = useMemo(() => new DraftStore(localStorage, context.me.id), [context.me.id]);
  const restored = useMemo(() => drafts.load(participant.id, timepoint.code, instrumentCode), []);
  const [server, setServer] = useState<Assessment | null>(initial ?? null);
  const [answers, setAnswers] = useState<Answers>(restored?.answers ?? initial?.answers ?? {});
  const [assessedOn, setAssessedOn] = useState(restored?.assessedOn ?? initial?.assessedOn ?? todayIso());
  const [baseETag, setBaseETag] = useState<string | null>(restored ? restored.baseETag : (initial?.eTag ?? null));
  const [restoredNote, setRestoredNote] = useState(restored ? `Unsaved answers from ${formatDateTime(restored.savedAt)} were restored from this device.` : null);
  const [violations, setViolations] = useState<PlacedViolations>({ byItem: {}, general: [] });
  const [message, setMessage] = useState<{ kind: 'saved' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<Assessment | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [queries, setQueries] = useState<Query[]>([]);
  // Answers typed since the server last had them (restored ones included).
  const [dirty, setDirty] = useState(restored !== null);
  const summary = useRef<HTMLDivElement>(null);
  const latest = useRef({ answers, assessedOn });
  latest.current = { answers, assessedOn };

  const finished = server !== null && server.status !== 'draft';
  const locked = server?.status === 'locked';
  const mayEnter = can.enterData(context.role) && !locked;
  // A finished assessment opens read-only; changing it asks for the reason first.
  const editing = mayEnter && (!finished || reason !== null);
  const progress = progressOf(instrument, answers);
  const titleId = `title-${instrumentCode}`;

  useEffect(() => {
    if (!server || !can.readQueries(context.role)) return;
    all<Query>(`/trials/${trialId}/queries?assessmentId=${server.id}`).then(setQueries, () => setQueries([]));
  }, [server?.id]);

  const saver = useMemo(
    () =>
      new AssessmentSaver({
        put: async (body, ifMatch, key) => {
          const reply = await send<Assessment>('PUT', `/trials/${trialId}/participants/${participant.id}/assessments/${encodeURIComponent(timepoint.code)}/${encodeURIComponent(instrumentCode)}`, {
            body,
            ifMatch,
            idempotencyKey: key,
          });
          return { assessment: reply.data, eTag: reply.etag ?? reply.data.eTag };
        },
        loadPending: () => drafts.load(participant.id, timepoint.code, instrumentCode)?.pending ?? null,
        keepPending: (pending) => {
          const draft = drafts.load(participant.id, timepoint.code, instrumentCode);
          if (draft) drafts.save(participant.id, timepoint.code, instrumentCode, { ...draft, pending });
          else if (pending)
            drafts.save(participant.id, timepoint.code, instrumentCode, { answers: pending.body.answers, assessedOn: pending.body.assessedOn, baseETag: pending.ifMatch, savedAt: new Date().toISOString(), pending });
        },
        newKey: newIdempotencyKey,
        isRefusal: (error) => error instanceof ApiError,
      }),
    [],
  );

  function keepLocally(next: Answers, nextDate = assessedOn) {
    const existing = drafts.load(participant.id, timepoint.code, instrumentCode);
    drafts.save(participant.id, timepoint.code, instrumentCode, { answers: next, assessedOn: nextDate, baseETag, savedAt: new Date().toISOString(), pending: existing?.pending ?? null });
  }

  function answer(code: string, value: Answer) {
    const next = { ...answers, [code]: value };
    setAnswers(next);
    keepLocally(next);
    setDirty(true);
    setMessage(null);
    if (violations.byItem[code]) {
      const byItem = { ...violations.byItem };
      delete byItem[code];
      setViolations({ ...violations, byItem });
    }
  }

  /**
   * Saves what is on screen. A quiet save (the draft autosave) says nothing unless it saved, never moves the focus
   * and is skipped while an answer fails its local check; what is typed while a save runs is kept, not replaced.
   */
  async function save(status: 'draft' | 'complete', withReason = reason, quiet = false) {
    const local: Record<string, string[]> = {};
    for (const item of instrument.items) {
      const problem = localProblem(item, answers[item.code] ?? null, instrument);
      if (problem) local[item.code] = [problem];
    }
    if (status === 'complete' && !finished)
      for (const item of progress.requiredEmpty) (local[item.code] ??= []).push('Required: choose an answer or a missing-data code.');
    if (Object.keys(local).length > 0) return quiet ? undefined : showViolations({ byItem: local, general: [] });

    const sent = { answers, assessedOn };
    const body: SaveRequest = { answers: Object.fromEntries(instrument.items.filter((i) => i.code in answers).map((i) => [i.code, answers[i.code]])), status, assessedOn };
    if (finished) body.reason = withReason ?? undefined;
    setBusy(true);
    if (!quiet) setMessage(null);
    try {
      const { assessment, eTag } = await saver.save(body, baseETag);
      setServer(assessment);
      setBaseETag(eTag);
      setReason(null);
      setRestoredNote(null);
      setViolations({ byItem: {}, general: [] });
      const unchanged = latest.current.answers === sent.answers && latest.current.assessedOn === sent.assessedOn;
      if (unchanged) {
        drafts.remove(participant.id, timepoint.code, instrumentCode);
        setAnswers(assessment.answers);
        setDirty(false);
      } else {
        // Typed during the save: still to save, now over the version this save made.
        const draft = drafts.load(participant.id, timepoint.code, instrumentCode);
        if (draft) drafts.save(participant.id, timepoint.code, instrumentCode, { ...draft, baseETag: eTag });
      }
      setMessage({ kind: 'saved', text: assessment.status === 'draft' ? `Draft saved at ${formatDateTime(assessment.updatedAt)}.` : `Saved as ${assessment.status} at ${formatDateTime(assessment.updatedAt)}.` });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const current = await all<Assessment>(`/trials/${trialId}/participants/${participant.id}/assessments`).catch(() => []);
        const theirs = current.find((a) => a.timepointCode === timepoint.code && a.instrumentCode === instrumentCode);
        if (theirs) setConflict(theirs);
        else setMessage({ kind: 'error', text: describeError(error) });
      } else if (error instanceof ApiError && error.violations.length > 0) {
        if (quiet) setViolations(placeViolations(instrument, error.violations));
        else showViolations(placeViolations(instrument, error.violations));
      } else if (quiet && error instanceof OfflineError) {
        setMessage({ kind: 'saved', text: 'Kept on this device; it goes to the server when the connection returns.' });
      } else setMessage({ kind: 'error', text: describeError(error) });
    } finally {
      setBusy(false);
    }
  }

  // Drafts go to the server quietly once the user pauses; a finished assessment is only changed on purpose.
  useEffect(() => {
    if (!dirty || !editing || finished || busy || conflict) return;
    const timer = setTimeout(() => save('draft', null, true), autosaveAfterMs);
    return () => clearTimeout(timer);
  }, [answers, assessedOn, dirty, editing, finished, busy, conflict]);

  function showViolations(placed: PlacedViolations) {
    setViolations(placed);
    const count = Object.keys(placed.byItem).length + placed.general.length;
    setMessage({ kind: 'error', text: `Not saved: ${count} ${count === 1 ? 'problem needs' : 'problems need'} attention.` });
    requestAnimationFrame(() => summary.current?.focus());
  }

  function resolve(chosen: Answers, theirs: Assessment) {
    setServer(theirs);
    setAnswers(chosen);
    setBaseETag(theirs.eTag);
    setConflict(null);
    setDirty(true);
    drafts.save(participant.id, timepoint.code, instrumentCode, { answers: chosen, assessedOn, baseETag: theirs.eTag, savedAt: new Date().toISOString(), pending: null });
    setMessage({ kind: 'error', text: 'Not saved yet: check the answers and save again.' });
    requestAnimationFrame(() => summary.current?.focus());
  }

  async function verify() {
    if (!server) return;
    setBusy(true);
    try {
      const verified = await post<Assessment>(`/trials/${trialId}/assessments/${server.id}/verification`, { verified: true });
      setServer(verified);
      setBaseETag(verified.eTag);
      setMessage({ kind: 'saved', text: 'Marked as source-data verified.' });
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    } finally {
      setBusy(false);
    }
  }

  const itemQueries = (code: string | null) => queries.filter((q) => (q.itemCode ?? null) === code);
  const replaceQuery = (updated: Query) => setQueries((list) => (list.some((q) => q.id === updated.id) ? list.map((q) => (q.id === updated.id ? updated : q)) : [...list, updated]));
  const openQueries = queries.filter((q) => q.status !== 'closed').length;

  return (
    <>
      <header class="assessment-head">
        <h2 id={titleId}>{instrument.title}</h2>
        <p>
          <StatusBadge status={server?.status ?? 'not-started'} /> <span class="progress-text">{progress.answered} of {progress.total} answered</span>
          {openQueries > 0 && <span class="badge badge-query"> {openQueries} open {openQueries === 1 ? 'query' : 'queries'}</span>}
        </p>
        <progress max={progress.total} value={progress.answered} aria-label={`${instrument.code} progress`} />
      </header>
      {restoredNote && (
        <p class="notice" role="status">
          {restoredNote}
        </p>
      )}
      {/* Why a save did not happen, at the top where the focus goes; a save that did is said beside the buttons. */}
      <div ref={summary} tabIndex={-1} aria-live="polite" class={message?.kind === 'error' ? 'notice error' : 'sr-only'}>
        {message?.kind === 'error' && <p>{message.text}</p>}
        {violations.general.length > 0 && (
          <ul>
            {violations.general.map((v) => (
              <li key={v.field + v.rule}>{v.message}</li>
            ))}
          </ul>
        )}
        {Object.keys(violations.byItem).length > 0 && (
          <ul>
            {instrument.items
              .filter((item) => violations.byItem[item.code])
              .map((item) => (
                <li key={item.code}>
                  <a href={`#item-${item.code}`} onClick={(e) => (e.preventDefault(), document.getElementById(`row-${instrumentCode}-${item.code}`)?.querySelector<HTMLElement>('input, textarea, select')?.focus())}>
                    {item.label}
                  </a>
                  : {violations.byItem[item.code].join(' ')}
                </li>
              ))}
          </ul>
        )}
      </div>
      {conflict && <ConflictPanel instrument={instrument} base={server?.answers ?? {}} mine={answers} theirs={conflict} onResolve={resolve} />}
      {itemQueries(null).map((query) => (
        <QueryThread key={query.id} trialId={trialId} query={query} role={context.role} onChanged={replaceQuery} />
      ))}
      <div class="field assessed-on">
        <label for={`assessed-${instrumentCode}`}>Assessed on</label>
        <input
          id={`assessed-${instrumentCode}`}
          type="date"
          value={assessedOn}
          readOnly={!editing}
          onInput={(e) => {
            setAssessedOn(e.currentTarget.value);
            keepLocally(answers, e.currentTarget.value);
            setDirty(true);
          }}
        />
      </div>
      <ol class="items">
        {instrument.items.map((item, index) => {
          // A typed value is checked as it is typed (a soft check: the server's answer is the truth).
          const typedProblem = controlOf(item) === 'number' ? localProblem(item, answers[item.code] ?? null, instrument) : null;
          const errors = violations.byItem[item.code] ?? (typedProblem ? [typedProblem] : []);
          const errorId = `error-${instrumentCode}-${item.code}`;
          return (
            <li key={item.code} id={`row-${instrumentCode}-${item.code}`} class={`item${isAnswered(answers[item.code]) ? ' answered' : ''}`}>
              <ItemControl
                instrument={instrument}
                item={item}
                number={index + 1}
                answer={answers[item.code]}
                readOnly={!editing}
                describedBy={errors.length > 0 ? errorId : undefined}
                invalid={errors.length > 0}
                onAnswer={(value) => answer(item.code, value)}
              />
              {errors.length > 0 && (
                <p id={errorId} class="field-error">
                  {errors.join(' ')}
                </p>
              )}
              {itemQueries(item.code).map((query) => (
                <QueryThread key={query.id} trialId={trialId} query={query} role={context.role} currentAnswer={answers[item.code]} onChanged={replaceQuery} />
              ))}
              {can.monitor(context.role) && server && <RaiseQuery trialId={trialId} assessmentId={server.id} itemCode={item.code} label={`item ${index + 1}`} onRaised={replaceQuery} />}
            </li>
          );
        })}
      </ol>
      <div class="actions sticky">
        {editing && !finished && (
          <>
            <button type="button" disabled={busy} onClick={() => save('draft')}>
              Save draft
            </button>
            <button type="button" class="primary" disabled={busy} onClick={() => save('complete')}>
              Complete
            </button>
          </>
        )}
        {editing && finished && (
          <>
            <button type="button" class="primary" disabled={busy} onClick={() => save('complete')}>
              Save changes
            </button>
            <button
              type="button"
              onClick={() => {
                setReason(null);
                setAnswers(server!.answers);
                setDirty(false);
                drafts.remove(participant.id, timepoint.code, instrumentCode);
              }}
            >
              Discard changes
            </button>
          </>
        )}
        {mayEnter && finished && !editing && (
          <button type="button" onClick={() => setAsking(true)}>
            Change answers
          </button>
        )}
        {can.monitor(context.role) && server?.status === 'complete' && (
          <button type="button" class="primary" disabled={busy} onClick={verify}>
            Mark verified
          </button>
        )}
        {can.monitor(context.role) && server && <RaiseQuery trialId={trialId} assessmentId={server.id} label={`the whole ${instrument.code} assessment`} onRaised={replaceQuery} />}
        {can.readHistory(context.role) && server && <a href={href.history(trialId, 'assessment', server.id)}>Audit history</a>}
        <span class="saved" role="status">
          {message?.kind === 'saved' ? message.text : ''}
        </span>
      </div>
      {asking && (
        <ReasonDialog
          title={`Change the complete ${instrument.code}`}
          intro="This assessment is complete. Say why it is being changed; the reason is kept in the audit trail."
          onCancel={() => setAsking(false)}
          onConfirm={(text) => {
            setAsking(false);
            setReason(text);
          }}
        />
      )}
    </>
  );
}
