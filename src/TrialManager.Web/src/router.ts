import { useEffect, useState } from 'preact/hooks';

// Pages are addressed in the URL's fragment (#/trials/…), so the server needs no route per page and a reload or a
// bookmark returns to the same page.

export type Route =
  | { page: 'trials' }
  | { page: 'trial'; trialId: string }
  | { page: 'enrol'; trialId: string }
  | { page: 'participant'; trialId: string; participantId: string }
  | { page: 'visit'; trialId: string; participantId: string; timepointCode: string }
  | { page: 'queries'; trialId: string }
  | { page: 'history'; trialId: string; entityType: string; entityId: string }
  | { page: 'not-found' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'trials' };
  if (parts[0] !== 'trials' || !parts[1]) return { page: 'not-found' };
  const trialId = parts[1];
  const rest = parts.slice(2);
  if (rest.length === 0) return { page: 'trial', trialId };
  if (rest.length === 1 && rest[0] === 'enrol') return { page: 'enrol', trialId };
  if (rest.length === 1 && rest[0] === 'queries') return { page: 'queries', trialId };
  if (rest[0] === 'participants' && rest.length === 2) return { page: 'participant', trialId, participantId: rest[1] };
  if (rest[0] === 'participants' && rest[2] === 'visits' && rest.length === 4)
    return { page: 'visit', trialId, participantId: rest[1], timepointCode: rest[3] };
  if (rest[0] === 'history' && rest.length === 3) return { page: 'history', trialId, entityType: rest[1], entityId: rest[2] };
  return { page: 'not-found' };
}

export const href = {
  trials: () => '#/',
  trial: (trialId: string) => `#/trials/${trialId}`,
  enrol: (trialId: string) => `#/trials/${trialId}/enrol`,
  participant: (trialId: string, participantId: string) => `#/trials/${trialId}/participants/${participantId}`,
  visit: (trialId: string, participantId: string, timepointCode: string) =>
    `#/trials/${trialId}/participants/${participantId}/visits/${encodeURIComponent(timepointCode)}`,
  queries: (trialId: string) => `#/trials/${trialId}/queries`,
  history: (trialId: string, entityType: string, entityId: string) => `#/trials/${trialId}/history/${entityType}/${entityId}`,
};

export function navigate(to: string) {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
