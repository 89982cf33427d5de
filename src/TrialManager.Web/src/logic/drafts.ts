import type { Answers } from '../api/types';

// What the user typed into an assessment, kept on this device until the server has it, so that a dropped connection,
// a reload or a closed tab loses nothing. Only answers and dates are kept, never anything about an arm. Signing out
// removes the user's drafts (a clinic's tablet is shared).

export interface SaveRequest {
  answers: Answers;
  status: 'draft' | 'complete';
  assessedOn: string;
  reason?: string;
}

/** A save that was sent but whose answer never came: it is sent again, with the same key, before anything newer. */
export interface PendingSave {
  key: string;
  body: SaveRequest;
  ifMatch: string | null;
}

export interface Draft {
  answers: Answers;
  assessedOn: string;
  /** The server version these answers were typed over (its ETag), null for a new assessment. */
  baseETag: string | null;
  savedAt: string;
  pending?: PendingSave | null;
}

export class DraftStore {
  constructor(private readonly storage: Storage, private readonly userId: string) {}

  private key(participantId: string, timepointCode: string, instrumentCode: string) {
    return `tm.draft.${this.userId}.${participantId}.${timepointCode}.${instrumentCode}`;
  }

  load(participantId: string, timepointCode: string, instrumentCode: string): Draft | null {
    const text = this.storage.getItem(this.key(participantId, timepointCode, instrumentCode));
    if (!text) return null;
    try {
      return JSON.parse(text) as Draft;
    } catch {
      return null;
    }
  }

  save(participantId: string, timepointCode: string, instrumentCode: string, draft: Draft) {
    this.storage.setItem(this.key(participantId, timepointCode, instrumentCode), JSON.stringify(draft));
  }

  remove(participantId: string, timepointCode: string, instrumentCode: string) {
    this.storage.removeItem(this.key(participantId, timepointCode, instrumentCode));
  }

  /** Every draft of this user. */
  clear() {
    const mine = `tm.draft.${this.userId}.`;
    const keys: string[] = [];
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (key?.startsWith(mine)) keys.push(key);
    }
    keys.forEach((key) => this.storage.removeItem(key));
  }
}
