import { useState } from 'preact/hooks';
import { get, query as queryString } from '../api/http';
import type { Query, QueryStatus } from '../api/types';
import { PageHeading, Show, StatusBadge } from '../components/common';
import { useLoad } from '../hooks';
import { formatDateTime } from '../logic/windows';
import { can } from '../roles';
import { href } from '../router';
import type { TrialContext } from '../trial';

/** The data queries on the user's data (a researcher's sites, a monitor's trial), each linked to its item. */
export function QueriesPage({ context }: { context: TrialContext }) {
  const trialId = context.trial.id;
  // A researcher's work is the open queries; a monitor's is the answered ones waiting to be closed.
  const [status, setStatus] = useState<QueryStatus | ''>(can.monitor(context.role) ? 'answered' : 'open');
  const queries = useLoad((signal) => get<{ items: Query[] }>(`/trials/${trialId}/queries${queryString({ status })}`, signal).then((r) => r.items), [trialId, status]);
  return (
    <>
      <PageHeading title="Queries">Queries</PageHeading>
      <div class="field inline">
        <label for="query-status">Show</label>
        <select id="query-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as QueryStatus | '')}>
          <option value="open">Open queries</option>
          <option value="answered">Answered queries</option>
          <option value="closed">Closed queries</option>
          <option value="">All queries</option>
        </select>
      </div>
      <Show loaded={queries}>
        {(items) =>
          items.length === 0 ? (
            <p>No queries here.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Participant · visit</th>
                  <th scope="col">Item</th>
                  <th scope="col">Question</th>
                  <th scope="col">Status</th>
                  <th scope="col">Raised</th>
                </tr>
              </thead>
              <tbody>
                {items.map((q) => (
                  <tr key={q.id}>
                    <td>
                      <a href={href.visit(trialId, q.place.participantId, q.place.timepointCode)}>
                        {q.place.participantExternalId} · {q.place.timepointCode}
                      </a>
                    </td>
                    <td>
                      {q.place.instrumentCode} {q.itemCode ?? '(whole assessment)'}
                    </td>
                    <td>{q.question}</td>
                    <td>
                      <StatusBadge status={q.status} />
                    </td>
                    <td>{formatDateTime(q.raisedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}
