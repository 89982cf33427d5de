import { useState } from 'preact/hooks';
import { ApiError, post } from '../api/http';
import { all } from '../api/pages';
import type { Cluster, Participant, ParticipantKind, Site } from '../api/types';
import { describeError, PageHeading, Show } from '../components/common';
import { Field } from '../components/Field';
import { useLoad } from '../hooks';
import { newIdempotencyKey } from '../logic/retry';
import { todayIso } from '../logic/windows';
import { href, navigate } from '../router';
import type { TrialContext } from '../trial';

interface Form {
  externalId: string;
  clusterId: string;
  kind: ParticipantKind;
  consentDate: string;
  baselineDate: string;
}

export function EnrolPage({ context }: { context: TrialContext }) {
  const trialId = context.trial.id;
  const places = useLoad(
    async (signal) => {
      // The API lists a researcher's own sites' clusters only, where they may enrol.
      const [sites, clusters] = await Promise.all([all<Site>(`/trials/${trialId}/sites`, signal), all<Cluster>(`/trials/${trialId}/clusters`, signal)]);
      return { sites, clusters };
    },
    [trialId],
  );
  return (
    <>
      <PageHeading title="Enrol a participant">Enrol a participant</PageHeading>
      <Show loaded={places}>{({ sites, clusters }) => <EnrolForm trialId={trialId} sites={sites} clusters={clusters} />}</Show>
    </>
  );
}

function EnrolForm({ trialId, sites, clusters }: { trialId: string; sites: Site[]; clusters: Cluster[] }) {
  const today = todayIso();
  const [form, setForm] = useState<Form>({ externalId: '', clusterId: clusters.length === 1 ? clusters[0].id : '', kind: 'patient', consentDate: today, baselineDate: today });
  // One key for this enrolment: a double click or a retry after a dropped connection enrols once.
  const [key, setKey] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof Form) => (event: Event) => setForm({ ...form, [field]: (event.currentTarget as HTMLInputElement).value });
  const siteOf = (cluster: Cluster) => sites.find((s) => s.id === cluster.siteId);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setGeneral(null);
    try {
      const participant = await post<Participant>(`/trials/${trialId}/participants`, { ...form, clusterId: form.clusterId || null }, key);
      navigate(href.participant(trialId, participant.id));
    } catch (error) {
      if (error instanceof ApiError) {
        setKey(newIdempotencyKey());
        const byField: Record<string, string[]> = {};
        for (const violation of error.violations) (byField[violation.field] ??= []).push(violation.message);
        setErrors(byField);
        const placed = Object.keys(byField).every((field) => field in form);
        if (!placed || error.violations.length === 0) setGeneral(describeError(error));
      } else setGeneral(describeError(error));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate class="stack">
      {general && (
        <p class="notice error" role="alert">
          {general}
        </p>
      )}
      <Field id="externalId" label="Participant id" hint="The id used on the participant's paperwork." errors={errors.externalId}>
        {(describedBy, invalid) => <input id="externalId" value={form.externalId} aria-describedby={describedBy} aria-invalid={invalid || undefined} onInput={set('externalId')} />}
      </Field>
      <Field id="clusterId" label="Clinical team (cluster)" errors={errors.clusterId}>
        {(describedBy, invalid) => (
          <select id="clusterId" value={form.clusterId} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={set('clusterId')}>
            <option value="">Choose a team</option>
            {clusters.map((cluster) => (
              <option key={cluster.id} value={cluster.id}>
                {cluster.code} ({siteOf(cluster)?.name ?? siteOf(cluster)?.code ?? 'site'})
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset class="field">
        <legend>Participant is</legend>
        {(['patient', 'staff'] as const).map((kind) => (
          <label key={kind} class="choice">
            <input type="radio" name="kind" value={kind} checked={form.kind === kind} onChange={() => setForm({ ...form, kind })} />
            {kind === 'patient' ? 'a patient' : 'a staff member'}
          </label>
        ))}
        {errors.kind && <p class="field-error">{errors.kind.join(' ')}</p>}
      </fieldset>
      <Field id="consentDate" label="Consent date" errors={errors.consentDate}>
        {(describedBy, invalid) => <input id="consentDate" type="date" value={form.consentDate} max={today} aria-describedby={describedBy} aria-invalid={invalid || undefined} onInput={set('consentDate')} />}
      </Field>
      <Field id="baselineDate" label="Baseline date" hint="Follow-up windows are counted from this day." errors={errors.baselineDate}>
        {(describedBy, invalid) => <input id="baselineDate" type="date" value={form.baselineDate} aria-describedby={describedBy} aria-invalid={invalid || undefined} onInput={set('baselineDate')} />}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Enrol
        </button>
        <a href={href.trial(trialId)}>Cancel</a>
      </div>
    </form>
  );
}
