import { get } from './http';
import { all } from './pages';
import type { Assessment, Instrument, Page, Participant, ScheduleEntry, Timepoint } from './types';

/** A participant's visits: each timepoint with the instruments due for their kind, in schedule order. */
export interface Visit {
  timepoint: Timepoint;
  instrumentCodes: string[];
}

export interface ParticipantRecord {
  participant: Participant;
  visits: Visit[];
  assessments: Assessment[];
}

export async function loadParticipantRecord(trialId: string, participantId: string, signal?: AbortSignal): Promise<ParticipantRecord> {
  const [participant, timepoints, schedule, assessments] = await Promise.all([
    get<Participant>(`/trials/${trialId}/participants/${participantId}`, signal),
    get<Page<Timepoint>>(`/trials/${trialId}/timepoints`, signal),
    get<{ entries: ScheduleEntry[] }>(`/trials/${trialId}/schedule`, signal),
    all<Assessment>(`/trials/${trialId}/participants/${participantId}/assessments`, signal),
  ]);
  const visits = [...timepoints.items]
    .sort((a, b) => a.offsetDays - b.offsetDays)
    .map((timepoint) => ({
      timepoint,
      instrumentCodes: schedule.entries
        .filter((e) => e.timepointCode === timepoint.code && e.participantKind === participant.kind)
        .map((e) => e.instrumentCode),
    }))
    .filter((visit) => visit.instrumentCodes.length > 0);
  return { participant, visits, assessments };
}

const instruments = new Map<string, Promise<Instrument>>();

/** An instrument's definition, read once per trial and code while the page lives (definitions are versioned, not edited). */
export function loadInstrument(trialId: string, code: string): Promise<Instrument> {
  const key = `${trialId}/${code}`;
  let definition = instruments.get(key);
  if (!definition) {
    definition = get<Instrument>(`/trials/${trialId}/instruments/${encodeURIComponent(code)}`);
    definition.catch(() => instruments.delete(key));
    instruments.set(key, definition);
  }
  return definition;
}
