import { useState } from 'preact/hooks';
import { get, query } from '../api/http';
import { all } from '../api/pages';
import type { FollowUpState, Page, Participant, Reminder, Timepoint } from '../api/types';
import { describeError, PageHeading, Show } from '../components/common';
import { useLoad } from '../hooks';
import { formatDate } from '../logic/windows';
import { can } from '../roles';
import { href, navigate } from '../router';
import type { TrialContext } from '../trial';

/** The worklist's sections, the most urgent first. */
const sections: { state: FollowUpState; title: string; hint: string }[] = [
  { state: 'overdue', title: 'Overdue', hint: 'The window has closed without a finished assessment.' },
  { state: 'closing', title: 'Closing soon', hint: 'The window closes within days.' },
  { state: 'open', title: 'Open', hint: 'The window is open.' },
  { state: 'upcoming', title: 'Upcoming', hint: 'The window opens soon.' },
];

export function TrialPage({ context }: { context: TrialContext }) {
  const { trial, role } = context;
  return (
    <>
      <PageHeading title={trial.code}>{trial.title}</PageHeading>
      <div class="actions">
        {can.enterData(role) && (
          <a class="button primary" href={href.enrol(trial.id)}>
            Enrol a participant
          </a>
        )}
        {can.readQueries(role) && (
          <a class="button" href={href.queries(trial.id)}>
            Queries
          </a>
        )}
      </div>
      <FindParticipant trialId={trial.id} />
      {can.readWorklist(role) && <Worklist trialId={trial.id} />}
    </>
  );
}

function FindParticipant({ trialId }: { trialId: string }) {
  const [externalId, setExternalId] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  async function find(event: Event) {
    event.preventDefault();
    const wanted = externalId.trim();
    if (!wanted) return setMessage('Enter the participant id.');
    setMessage(null);
    try {
      const found = await get<Page<Participant>>(`/trials/${trialId}/participants${query({ externalId: wanted })}`);
      const match = found.items.find((p) => p.externalId === wanted);
      if (match) navigate(href.participant(trialId, match.id));
      else setMessage(`No participant ${wanted} at your sites.`);
    } catch (error) {
      setMessage(describeError(error));
    }
  }
  return (
    <section aria-labelledby="find-title">
      <h2 id="find-title">Find a participant</h2>
      <form class="inline" onSubmit={find}>
        <label for="external-id">Participant id</label>
        <input id="external-id" value={externalId} autocomplete="off" onInput={(e) => setExternalId(e.currentTarget.value)} />
        <button type="submit">Find</button>
      </form>
      {message && (
        <p class="field-error" role="alert">
          {message}
        </p>
      )}
    </section>
  );
}

function Worklist({ trialId }: { trialId: string }) {
  const reminders = useLoad(async (signal) => {
    const [rows, timepoints] = await Promise.all([all<Reminder>(`/trials/${trialId}/reminders`, signal), get<Page<Timepoint>>(`/trials/${trialId}/timepoints`, signal)]);
    const labels = new Map(timepoints.items.map((t) => [t.code, t.label || t.code]));
    return rows.map((row) => ({ ...row, visit: labels.get(row.timepointCode) ?? row.timepointCode }));
  }, [trialId]);
  return (
    <section aria-labelledby="worklist-title">
      <h2 id="worklist-title">Follow-up worklist</h2>
      <Show loaded={reminders}>
        {(rows) => {
          const due = sections.filter((section) => rows.some((r) => r.state === section.state));
          if (due.length === 0) return <p>Nothing is due at your sites.</p>;
          return due.map((section) => (
            <WorklistSection key={section.state} trialId={trialId} {...section} rows={rows.filter((r) => r.state === section.state)} />
          ));
        }}
      </Show>
    </section>
  );
}

function WorklistSection(props: { trialId: string; state: FollowUpState; title: string; hint: string; rows: (Reminder & { visit: string })[] }) {
  const id = `worklist-${props.state}`;
  return (
    <div class="worklist-section">
      <h3 id={id}>
        {props.title} <span class="count">({props.rows.length})</span>
      </h3>
      <p class="hint">{props.hint}</p>
      <table aria-labelledby={id}>
        <thead>
          <tr>
            <th scope="col">Participant</th>
            <th scope="col">Visit</th>
            <th scope="col">Site · cluster</th>
            <th scope="col">Window</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={`${row.participantId}-${row.timepointCode}`}>
              <td>
                <a href={href.visit(props.trialId, row.participantId, row.timepointCode)}>{row.externalId}</a>
              </td>
              <td>{row.visit}</td>
              <td>
                {row.siteCode} · {row.clusterCode}
              </td>
              <td>
                {formatDate(row.windowOpens)} – {formatDate(row.windowCloses)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
