// The API's views this client reads (see the OpenAPI document at /swagger). Arms are deliberately absent: the client
// never reads, shows or keeps one, even where the API would answer one to an unblinded role.

export type TrialRole = 'trial-manager' | 'researcher' | 'statistician' | 'unblinded-statistician' | 'monitor';

export interface Me {
  id: string;
  userName: string;
  displayName: string;
  systemRole: string | null;
  trials: { trialId: string; trialCode: string; role: TrialRole; siteIds: string[] }[];
}

export interface SessionView {
  userId: string;
  userName: string;
  displayName: string;
  systemRole: string | null;
  antiForgeryToken: string;
  expiresAt: string;
  idleMinutes: number;
}

export interface Trial {
  id: string;
  code: string;
  title: string;
  status: string;
  arms: { code: string; label: string }[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type FollowUpState = 'not-yet' | 'upcoming' | 'open' | 'closing' | 'overdue' | 'done' | 'not-due';

export interface Reminder {
  participantId: string;
  externalId: string;
  clusterCode: string;
  siteCode: string;
  timepointCode: string;
  state: FollowUpState;
  windowOpens: string;
  target: string;
  windowCloses: string;
}

export type ParticipantKind = 'patient' | 'staff';

export interface Participant {
  id: string;
  clusterId: string;
  siteId: string;
  externalId: string;
  kind: ParticipantKind;
  consentDate: string;
  baselineDate: string;
  status: string;
  statusReason: string | null;
}

export interface Site {
  id: string;
  code: string;
  name: string;
}

export interface Cluster {
  id: string;
  siteId: string;
  code: string;
}

export interface Timepoint {
  code: string;
  label: string;
  offsetDays: number;
  windowDaysBefore: number;
  windowDaysAfter: number;
}

export interface ScheduleEntry {
  timepointCode: string;
  instrumentCode: string;
  participantKind: ParticipantKind;
}

export type ItemType = 'integer' | 'decimal' | 'choice' | 'text' | 'date';

export interface Item {
  code: string;
  label: string;
  type: ItemType;
  min?: number | null;
  max?: number | null;
  options?: { value: string; label: string }[] | null;
  required?: boolean;
}

export interface MissingCode {
  value: number;
  label: string;
}

export interface Instrument {
  code: string;
  version: number;
  title: string;
  items: Item[];
  missingCodes: MissingCode[];
}

export type Answer = number | string | null;
export type Answers = Record<string, Answer>;

export type AssessmentStatus = 'draft' | 'complete' | 'verified' | 'locked';

export interface Assessment {
  id: string;
  participantId: string;
  timepointCode: string;
  instrumentCode: string;
  answers: Answers;
  scores: Record<string, number | null>;
  status: AssessmentStatus;
  assessedOn: string;
  outOfWindow: boolean;
  daysOutOfWindow: number;
  updatedAt: string;
  revision: number;
  eTag: string;
}

export type QueryStatus = 'open' | 'answered' | 'closed';

export interface Query {
  id: string;
  assessmentId: string;
  itemCode: string | null;
  question: string;
  status: QueryStatus;
  raisedAt: string;
  answer: string | null;
  answeredAt: string | null;
  closeNote: string | null;
  closedAt: string | null;
  place: { participantId: string; participantExternalId: string; timepointCode: string; instrumentCode: string };
}

export interface AuditEvent {
  id: string;
  occurredAt: string;
  action: string;
  entityType: string;
  entityId: string;
  changes: { field: string; old: unknown; new: unknown; blinded?: boolean }[];
  actor: { userId: string | null; role: string | null };
  reason: string | null;
}

export interface Violation {
  field: string;
  rule: string;
  message: string;
}

export interface Problem {
  status: number;
  title: string;
  detail?: string | null;
  requestId?: string;
  violations?: Violation[];
}
