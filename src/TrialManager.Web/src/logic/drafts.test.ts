import { beforeEach, describe, expect, it } from 'vitest';
import { DraftStore } from './drafts';

describe('drafts on this device', () => {
  beforeEach(() => localStorage.clear());

  it('keep what was typed per participant, visit and instrument, and survive a new page', () => {
    new DraftStore(localStorage, 'u1').save('p1', 'm6', 'QPR', { answers: { q1: 2 }, assessedOn: '2026-12-01', baseETag: null, savedAt: 'now' });
    const again = new DraftStore(localStorage, 'u1');
    expect(again.load('p1', 'm6', 'QPR')?.answers).toEqual({ q1: 2 });
    expect(again.load('p1', 'm6', 'HHI')).toBeNull();
    expect(again.load('p2', 'm6', 'QPR')).toBeNull();
  });

  it('are removed for one user only when that user signs out', () => {
    new DraftStore(localStorage, 'u1').save('p1', 'm6', 'QPR', { answers: {}, assessedOn: '2026-12-01', baseETag: null, savedAt: 'now' });
    new DraftStore(localStorage, 'u2').save('p1', 'm6', 'QPR', { answers: {}, assessedOn: '2026-12-01', baseETag: null, savedAt: 'now' });
    localStorage.setItem('other', 'kept');
    new DraftStore(localStorage, 'u1').clear();
    expect(new DraftStore(localStorage, 'u1').load('p1', 'm6', 'QPR')).toBeNull();
    expect(new DraftStore(localStorage, 'u2').load('p1', 'm6', 'QPR')).not.toBeNull();
    expect(localStorage.getItem('other')).toBe('kept');
  });

  it('ignore a damaged entry', () => {
    localStorage.setItem('tm.draft.u1.p1.m6.QPR', '{not json');
    expect(new DraftStore(localStorage, 'u1').load('p1', 'm6', 'QPR')).toBeNull();
  });
});
