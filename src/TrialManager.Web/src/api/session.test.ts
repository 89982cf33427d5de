import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DraftStore } from '../logic/drafts';
import { onSignedOut, send } from './http';
import { endSession, restoreSession, signIn, signOut } from './session';

const draft = { answers: { q1: 2 }, assessedOn: '2026-12-01', baseETag: null, savedAt: 'now' };

describe('a web session', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('keeps the anti-forgery token for this tab, never the API token', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ userId: 'u1', displayName: 'R', antiForgeryToken: 'af' }), { status: 201 }));
    await signIn('  tm_secret  ');
    expect(sessionStorage.getItem('tm.session')).toContain('"af"');
    expect(JSON.stringify({ ...sessionStorage, ...localStorage })).not.toContain('tm_secret');
    expect(restoreSession()?.userId).toBe('u1');
  });

  it('keeps unsaved answers when it ends on its own, and removes them when the user signs out', async () => {
    new DraftStore(localStorage, 'u1').save('p', 't', 'QPR', draft);
    endSession();
    expect(new DraftStore(localStorage, 'u1').load('p', 't', 'QPR')).not.toBeNull();
    vi.stubGlobal('fetch', async () => new Response(null, { status: 204 }));
    await signOut({ userId: 'u1', displayName: 'R', antiForgeryToken: 'af' });
    expect(new DraftStore(localStorage, 'u1').load('p', 't', 'QPR')).toBeNull();
    expect(restoreSession()).toBeNull();
  });

  it('does not take a refused sign-in for the end of a session', async () => {
    let ended = 0;
    onSignedOut(() => ended++);
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ title: 'Unauthorized', status: 401 }), { status: 401 }));
    await expect(signIn('wrong')).rejects.toThrow();
    expect(ended).toBe(0);
    await expect(send('GET', '/me')).rejects.toThrow();
    expect(ended).toBe(1);
  });
});
