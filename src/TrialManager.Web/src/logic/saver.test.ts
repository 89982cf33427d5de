import { describe, expect, it } from 'vitest';
import type { Assessment } from '../api/types';
import type { PendingSave, SaveRequest } from './drafts';
import { AssessmentSaver, type SaveOutcome } from './saver';

class Refused extends Error {}
class Lost extends Error {}

/** A server that keeps answers per Idempotency-Key, as the API does, and may lose the answer on the way back. */
function fakeServer() {
  let version = 0;
  const stored = new Map<string, SaveOutcome>();
  const calls: { key: string; ifMatch: string | null; body: SaveRequest }[] = [];
  let loseNextAnswer = false;
  let pending: PendingSave | null = null;
  let keys = 0;
  const saver = new AssessmentSaver({
    put: async (body, ifMatch, key) => {
      calls.push({ key, ifMatch, body });
      const replay = stored.get(key);
      if (replay) return replay;
      if (ifMatch !== `"v${version}"`) throw new Refused('412');
      version++;
      const outcome = { assessment: { answers: body.answers, status: body.status } as unknown as Assessment, eTag: `"v${version}"` };
      stored.set(key, outcome);
      if (loseNextAnswer) {
        loseNextAnswer = false;
        throw new Lost('network');
      }
      return outcome;
    },
    loadPending: () => pending,
    keepPending: (p) => (pending = p),
    newKey: () => `key-${++keys}`,
    isRefusal: (error) => error instanceof Refused,
  });
  return {
    saver,
    calls,
    get version() {
      return version;
    },
    get pending() {
      return pending;
    },
    loseNextAnswer: () => (loseNextAnswer = true),
  };
}

const body = (q1: number): SaveRequest => ({ answers: { q1 }, status: 'draft', assessedOn: '2026-12-01' });

describe('saving an assessment', () => {
  it('saves once on a double click', async () => {
    const server = fakeServer();
    const [first, second] = await Promise.all([server.saver.save(body(1), '"v0"'), server.saver.save(body(1), '"v0"')]);
    expect(first).toBe(second);
    expect(server.calls).toHaveLength(1);
    expect(server.version).toBe(1);
  });

  it('sends a save whose answer was lost again with the same key, and gets the stored answer', async () => {
    const server = fakeServer();
    server.loseNextAnswer();
    await expect(server.saver.save(body(1), '"v0"')).rejects.toBeInstanceOf(Lost);
    expect(server.pending?.key).toBe('key-1');
    const retried = await server.saver.save(body(1), '"v0"');
    expect(retried.eTag).toBe('"v1"');
    expect(server.calls.map((c) => c.key)).toEqual(['key-1', 'key-1']);
    expect(server.version).toBe(1);
    expect(server.pending).toBeNull();
  });

  it('settles a lost save before saving newer answers over the version it made, instead of meeting a conflict', async () => {
    const server = fakeServer();
    server.loseNextAnswer();
    await expect(server.saver.save(body(1), '"v0"')).rejects.toBeInstanceOf(Lost);
    // The user typed more before saving again; the form still holds the old ETag.
    const saved = await server.saver.save(body(2), '"v0"');
    expect(saved.eTag).toBe('"v2"');
    expect(server.calls.map((c) => [c.key, c.ifMatch])).toEqual([
      ['key-1', '"v0"'],
      ['key-1', '"v0"'],
      ['key-2', '"v1"'],
    ]);
  });

  it('frees the key after a refusal, so a corrected save is a new request', async () => {
    const server = fakeServer();
    await expect(server.saver.save(body(1), '"stale"')).rejects.toBeInstanceOf(Refused);
    expect(server.pending).toBeNull();
    await server.saver.save(body(1), '"v0"');
    expect(server.calls.map((c) => c.key)).toEqual(['key-1', 'key-2']);
  });
});
