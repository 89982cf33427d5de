import type { Me, Trial, TrialRole } from './api/types';

/** The trial a page is about and the signed-in user's place in it. */
export interface TrialContext {
  me: Me;
  trial: Trial;
  role: TrialRole;
}
