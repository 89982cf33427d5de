import { get, send, useAntiForgeryToken } from './http';
import type { Me, SessionView } from './types';
import { DraftStore } from '../logic/drafts';

// A web session: the API token is exchanged once for an HttpOnly cookie (which script cannot read) and an
// anti-forgery token. The token itself is never kept. The anti-forgery token lives in this tab's sessionStorage, so a
// reload keeps the session and closing the tab forgets it.

const storageKey = 'tm.session';

export interface Session {
  userId: string;
  displayName: string;
  antiForgeryToken: string;
}

export function restoreSession(): Session | null {
  const text = sessionStorage.getItem(storageKey);
  if (!text) return null;
  try {
    const session = JSON.parse(text) as Session;
    useAntiForgeryToken(session.antiForgeryToken);
    return session;
  } catch {
    return null;
  }
}

export async function signIn(token: string): Promise<Session> {
  const reply = await send<SessionView>('POST', '/sessions', { body: { token: token.trim() } });
  const session = { userId: reply.data.userId, displayName: reply.data.displayName, antiForgeryToken: reply.data.antiForgeryToken };
  sessionStorage.setItem(storageKey, JSON.stringify(session));
  useAntiForgeryToken(session.antiForgeryToken);
  return session;
}

/** Forgets the session here even when the server cannot be told (it then expires on its own). */
export async function signOut(session: Session): Promise<void> {
  try {
    await send('DELETE', '/sessions/current');
  } catch {
    // Offline or already ended: the cookie's session ends by itself at its idle limit.
  } finally {
    new DraftStore(localStorage, session.userId).clear();
    endSession();
  }
}

/** The session ended without the user signing out (idle, expired, revoked): their unsaved answers stay for their return. */
export function endSession() {
  sessionStorage.removeItem(storageKey);
  useAntiForgeryToken(null);
}

export const loadMe = () => get<Me>('/me');
