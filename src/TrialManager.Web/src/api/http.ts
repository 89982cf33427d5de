import type { Problem, Violation } from './types';
import { newIdempotencyKey, parseRetryAfter, retryDelay } from '../logic/retry';

/** The API answered with a problem (RFC 9457): the status, and each violation naming its field. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  get violations(): Violation[] {
    return this.problem.violations ?? [];
  }
}

/** No answer came, even after retrying: the connection is down. What the user typed must be kept. */
export class OfflineError extends Error {
  constructor() {
    super('No connection to the server. Nothing was lost: try again when you are back online.');
  }
}

export interface Reply<T> {
  status: number;
  data: T;
  etag: string | null;
  replayed: boolean;
}

export interface SendOptions {
  body?: unknown;
  ifMatch?: string | null;
  /** Writes send one; the same key on every retry makes the retry safe. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const prefix = '/api/v1';
let antiForgeryToken: string | null = null;
let signedOut: () => void = () => {};
let wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The session's anti-forgery token, sent as X-CSRF-Token with every write (the cookie alone is not enough). */
export function useAntiForgeryToken(token: string | null) {
  antiForgeryToken = token;
}

/** Called when the API says the session is over (401), wherever that happens. */
export function onSignedOut(handler: () => void) {
  signedOut = handler;
}

/** For tests: no real waiting between retries. */
export function setWait(waiter: (ms: number) => Promise<void>) {
  wait = waiter;
}

export async function send<T>(method: string, path: string, options: SendOptions = {}): Promise<Reply<T>> {
  const write = method !== 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (write && antiForgeryToken) headers['X-CSRF-Token'] = antiForgeryToken;
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  const repeatable = !write || options.idempotencyKey !== undefined;
  const init: RequestInit = {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  };

  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(prefix + path, init);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const delay = retryDelay({ status: null, retryAfter: null }, attempt, repeatable);
      if (delay === null) throw new OfflineError();
      await wait(delay);
      continue;
    }
    if (response.ok) {
      const text = response.status === 204 ? '' : await response.text();
      return {
        status: response.status,
        data: (text ? JSON.parse(text) : undefined) as T,
        etag: response.headers.get('ETag'),
        replayed: response.headers.get('Idempotency-Replayed') === 'true',
      };
    }
    const delay = retryDelay({ status: response.status, retryAfter: parseRetryAfter(response.headers.get('Retry-After')) }, attempt, repeatable);
    if (delay !== null) {
      await wait(delay);
      continue;
    }
    const problem = await readProblem(response);
    // A refused sign-in is a wrong token, not the end of a session.
    if (response.status === 401 && path !== '/sessions') signedOut();
    throw new ApiError(response.status, problem);
  }
}

async function readProblem(response: Response): Promise<Problem> {
  try {
    const body = await response.json();
    if (body && typeof body === 'object') return { status: response.status, title: response.statusText, ...body } as Problem;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}` };
}

export const get = <T>(path: string, signal?: AbortSignal) => send<T>('GET', path, { signal }).then((r) => r.data);

/** A write with a fresh Idempotency-Key, kept for its retries. */
export const post = <T>(path: string, body: unknown, idempotencyKey = newIdempotencyKey()) =>
  send<T>('POST', path, { body, idempotencyKey }).then((r) => r.data);

/** A query string of the defined values. */
export function query(values: Record<string, string | number | null | undefined>): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== null && value !== undefined && value !== '') parameters.set(name, String(value));
  const text = parameters.toString();
  return text ? `?${text}` : '';
}
