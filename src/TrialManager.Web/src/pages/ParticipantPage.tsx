import { loadParticipantRecord } from '../api/outcomes';
import { PageHeading, Show, StatusBadge } from '../components/common';
import { useLoad } from '../hooks';
import { daysOutside, formatDate, todayIso, windowFor } from '../logic/windows';
import { can } from '../roles';
import { href } from '../router';
import type { TrialContext } from '../trial';

export function ParticipantPage({ context, participantId }: { context: TrialContext; participantId: string }) {
  const trialId = context.trial.id;
  const record = useLoad((signal) => loadParticipantRecord(trialId, participantId, signal), [trialId, participantId]);
  const today = todayIso();
  return (
    <Show loaded={record}>
      {({ participant, visits, assessments }) => (
        <>
          <PageHeading title={`Participant ${participant.externalId}`}>Participant {participant.externalId}</PageHeading>
          <dl class="facts">
            <dt>Kind</dt>
            <dd>{participant.kind}</dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={participant.status} />
            </dd>
            <dt>Consent</dt>
            <dd>{formatDate(participant.consentDate)}</dd>
            <dt>Baseline</dt>
            <dd>{formatDate(participant.baselineDate)}</dd>
          </dl>
          {can.readHistory(context.role) && (
            <p>
              <a href={href.history(trialId, 'participant', participant.id)}>Audit history of this participant</a>
            </p>
          )}
          <h2>Visit schedule</h2>
          {visits.length === 0 ? (
            <p>The trial's schedule names no assessments for a {participant.kind}.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Visit</th>
                  <th scope="col">Window</th>
                  <th scope="col">Assessments</th>
                </tr>
              </thead>
              <tbody>
                {visits.map(({ timepoint, instrumentCodes }) => {
                  const window = windowFor(participant.baselineDate, timepoint.offsetDays, timepoint.windowDaysBefore, timepoint.windowDaysAfter);
                  const outside = daysOutside(window, today);
                  return (
                    <tr key={timepoint.code}>
                      <th scope="row">
                        <a href={href.visit(trialId, participant.id, timepoint.code)}>{timepoint.label || timepoint.code}</a>
                      </th>
                      <td>
                        {formatDate(window.opens)} – {formatDate(window.closes)}
                        <span class="hint"> {outside < 0 ? '(not open yet)' : outside > 0 ? '(closed)' : '(open now)'}</span>
                      </td>
                      <td>
                        <ul class="plain">
                          {instrumentCodes.map((code) => {
                            const assessment = assessments.find((a) => a.timepointCode === timepoint.code && a.instrumentCode === code);
                            return (
                              <li key={code}>
                                {code} <StatusBadge status={assessment?.status ?? 'not-started'} />
                              </li>
                            );
                          })}
                        </ul>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </Show>
  );
}
