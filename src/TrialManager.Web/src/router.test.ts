import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('addresses', () => {
  it('round-trip every page', () => {
    expect(parseRoute(href.trials())).toEqual({ page: 'trials' });
    expect(parseRoute(href.trial('t1'))).toEqual({ page: 'trial', trialId: 't1' });
    expect(parseRoute(href.enrol('t1'))).toEqual({ page: 'enrol', trialId: 't1' });
    expect(parseRoute(href.queries('t1'))).toEqual({ page: 'queries', trialId: 't1' });
    expect(parseRoute(href.participant('t1', 'p1'))).toEqual({ page: 'participant', trialId: 't1', participantId: 'p1' });
    expect(parseRoute(href.visit('t1', 'p1', '6 months'))).toEqual({ page: 'visit', trialId: 't1', participantId: 'p1', timepointCode: '6 months' });
    expect(parseRoute(href.history('t1', 'assessment', 'a1'))).toEqual({ page: 'history', trialId: 't1', entityType: 'assessment', entityId: 'a1' });
  });

  it('treat anything else as not found', () => {
    expect(parseRoute('#/elsewhere')).toEqual({ page: 'not-found' });
    expect(parseRoute('#/trials/t1/participants/p1/visits')).toEqual({ page: 'not-found' });
  });
});
