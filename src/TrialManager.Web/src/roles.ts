import type { TrialRole } from './api/types';

// What each role may do, as the API's trial policy grants it; the client only hides what would be refused anyway.
export const can = {
  enterData: (role: TrialRole) => role === 'researcher' || role === 'trial-manager',
  monitor: (role: TrialRole) => role === 'monitor',
  readQueries: (role: TrialRole) => role === 'researcher' || role === 'trial-manager' || role === 'monitor',
  readWorklist: (role: TrialRole) => role === 'researcher' || role === 'trial-manager' || role === 'monitor',
  readHistory: (role: TrialRole) => role === 'monitor' || role === 'trial-manager',
  recordBlindingGuess: (role: TrialRole) => role === 'researcher',
};

export const roleNames: Record<TrialRole, string> = {
  'trial-manager': 'Trial manager',
  researcher: 'Researcher',
  statistician: 'Statistician',
  'unblinded-statistician': 'Unblinded statistician',
  monitor: 'Monitor',
};
