import type { Assessment } from '../api/types';
import type { PendingSave, SaveRequest } from './drafts';

// Saving an assessment so that a double click, a retry or a save after a dropped connection never saves twice and
// never overwrites: each save carries If-Match (the version it was typed over) and an Idempotency-Key. A save whose
// answer was lost stays pending and is sent again with its key, which returns the stored answer if it had committed,
// before anything newer is sent over the version it made.

export interface SaveOutcome {
  assessment: Assessment;
  eTag: string;
}

export interface SaverPorts {
  put(body: SaveRequest, ifMatch: string | null, key: string): Promise<SaveOutcome>;
  loadPending(): PendingSave | null;
  keepPending(pending: PendingSave | null): void;
  newKey(): string;
  /** Whether an error is a definitive answer (the API refused), after which the key is free again. */
  isRefusal(error: unknown): boolean;
}

function same(a: SaveRequest, b: SaveRequest) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class AssessmentSaver {
  private running: Promise<SaveOutcome> | null = null;

  constructor(private readonly ports: SaverPorts) {}

  /** One save at a time: a second click while one runs gets the same result. */
  save(body: SaveRequest, ifMatch: string | null): Promise<SaveOutcome> {
    if (this.running) return this.running;
    this.running = this.run(body, ifMatch).finally(() => (this.running = null));
    return this.running;
  }

  private async run(body: SaveRequest, ifMatch: string | null): Promise<SaveOutcome> {
    const pending = this.ports.loadPending();
    if (pending && same(pending.body, body) && pending.ifMatch === ifMatch) return this.send(pending);
    if (pending) {
      try {
        // The earlier save may have committed: learn its answer first, and build on the version it made.
        const settled = await this.send(pending);
        ifMatch = settled.eTag;
      } catch (error) {
        if (!this.ports.isRefusal(error)) throw error;
      }
    }
    return this.send({ key: this.ports.newKey(), body, ifMatch });
  }

  private async send(pending: PendingSave): Promise<SaveOutcome> {
    this.ports.keepPending(pending);
    try {
      const outcome = await this.ports.put(pending.body, pending.ifMatch, pending.key);
      this.ports.keepPending(null);
      return outcome;
    } catch (error) {
      // A refusal (412, 422...) frees the key; a lost answer keeps the save pending for the next try.
      if (this.ports.isRefusal(error)) this.ports.keepPending(null);
      throw error;
    }
  }
}
