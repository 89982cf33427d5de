import { loadParticipantRecord } from '../api/outcomes';
import { PageHeading, Show } from '../components/common';
import { AssessmentSection } from '../components/AssessmentSection';
import { BlindingGuess } from '../components/BlindingGuess';
import { useLoad } from '../hooks';
import { describeWindow, formatDate, todayIso, windowFor } from '../logic/windows';
import { can } from '../roles';
import { href } from '../router';
import type { TrialContext } from '../trial';

/** One participant visit is one screen: the instruments due at that timepoint, in schedule order. */
export function VisitPage({ context, participantId, timepointCode }: { context: TrialContext; participantId: string; timepointCode: string }) {
  const trialId = context.trial.id;
  const record = useLoad((signal) => loadParticipantRecord(trialId, participantId, signal), [trialId, participantId]);
  return (
    <Show loaded={record}>
      {({ participant, visits, assessments }) => {
        const visit = visits.find((v) => v.timepoint.code === timepointCode);
        const title = `${participant.externalId} · ${visit?.timepoint.label || timepointCode}`;
        if (!visit)
          return (
            <>
              <PageHeading title={title}>{title}</PageHeading>
              <p>Nothing is scheduled at this visit for a {participant.kind}.</p>
            </>
          );
        const { timepoint } = visit;
        const window = windowFor(participant.baselineDate, timepoint.offsetDays, timepoint.windowDaysBefore, timepoint.windowDaysAfter);
        return (
          <>
            <p class="crumb-back">
              <a href={href.participant(trialId, participant.id)}>← Participant {participant.externalId}</a>
            </p>
            <PageHeading title={title}>
              Participant {participant.externalId}: {timepoint.label || timepoint.code}
            </PageHeading>
            <p class="window">
              Window {describeWindow(window, todayIso())} (target {formatDate(window.target)}; {formatDate(window.opens)} – {formatDate(window.closes)})
            </p>
            {visit.instrumentCodes.map((code) => (
              <AssessmentSection
                key={code}
                context={context}
                participant={participant}
                timepoint={timepoint}
                instrumentCode={code}
                initial={assessments.find((a) => a.timepointCode === timepoint.code && a.instrumentCode === code)}
              />
            ))}
            {can.recordBlindingGuess(context.role) && timepoint.offsetDays > 0 && <BlindingGuess trial={context.trial} participantId={participant.id} timepointCode={timepoint.code} />}
          </>
        );
      }}
    </Show>
  );
}
