// When to send a request again: after a dropped connection or an answer that says "later" (503 while the database
// restarts or the service sheds load, 429 over the token's budget, 409 while the same Idempotency-Key still runs).
// A write is sent again only with its Idempotency-Key, so that a retry can never save twice.

export const maxAttempts = 5;

export interface Outcome {
  /** The HTTP status, or null when no answer came (network error). */
  status: number | null;
  /** Retry-After in seconds, when the answer had one. */
  retryAfter: number | null;
}

/** Milliseconds to wait before attempt `attempt + 1`, or null when this outcome is final. */
export function retryDelay(outcome: Outcome, attempt: number, repeatable: boolean): number | null {
  if (!repeatable || attempt >= maxAttempts) return null;
  const backoff = Math.min(8000, 500 * 2 ** (attempt - 1));
  if (outcome.status === null) return backoff;
  if (outcome.status === 503 || outcome.status === 429 || outcome.status === 409) {
    if (outcome.retryAfter === null) return outcome.status === 503 ? backoff : null;
    return Math.min(10_000, Math.max(250, outcome.retryAfter * 1000));
  }
  return null;
}

export function parseRetryAfter(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
