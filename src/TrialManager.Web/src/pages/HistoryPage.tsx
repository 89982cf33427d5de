import { all } from '../api/pages';
import type { AuditEvent } from '../api/types';
import { PageHeading, Show } from '../components/common';
import { useLoad } from '../hooks';
import { describeValue } from '../logic/audit';
import { formatDateTime } from '../logic/windows';
import type { TrialContext } from '../trial';

/** What was done to one record, oldest first, as the audit trail tells it to this role. */
export function HistoryPage({ context, entityType, entityId }: { context: TrialContext; entityType: string; entityId: string }) {
  const trialId = context.trial.id;
  const events = useLoad(
    (signal) => all<AuditEvent>(`/trials/${trialId}/audit?entityType=${encodeURIComponent(entityType)}&entityId=${encodeURIComponent(entityId)}&order=oldest`, signal),
    [trialId, entityType, entityId],
  );
  return (
    <>
      <PageHeading title={`Audit history of the ${entityType}`}>Audit history of the {entityType}</PageHeading>
      <p>
        <button type="button" class="link" onClick={() => history.back()}>
          ← Back
        </button>
      </p>
      <Show loaded={events}>
        {(list) =>
          list.length === 0 ? (
            <p>No recorded changes.</p>
          ) : (
            <ol class="history">
              {list.map((event) => (
                <li key={event.id}>
                  <p>
                    <strong>{event.action}</strong> {formatDateTime(event.occurredAt)} by {event.actor.role ?? 'the system'}
                    {event.reason && <> — reason: “{event.reason}”</>}
                  </p>
                  {event.changes.length > 0 && (
                    <table>
                      <caption class="sr-only">Changed fields</caption>
                      <thead>
                        <tr>
                          <th scope="col">Field</th>
                          <th scope="col">Before</th>
                          <th scope="col">After</th>
                        </tr>
                      </thead>
                      <tbody>
                        {event.changes.map((change) => (
                          <tr key={change.field}>
                            <th scope="row">{change.field}</th>
                            <td>{describeValue(change.old)}</td>
                            <td>{describeValue(change.new)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </>
  );
}
