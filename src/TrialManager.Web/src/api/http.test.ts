import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, OfflineError, onSignedOut, send, setWait, useAntiForgeryToken } from './http';

type Call = { url: string; init: RequestInit };

function answers(...replies: (Response | Error)[]) {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const reply = replies.shift();
    if (!reply || reply instanceof Error) throw reply ?? new TypeError('Failed to fetch');
    return reply;
  });
  return calls;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const header = (call: Call, name: string) => (call.init.headers as Record<string, string>)[name];

describe('talking to the API', () => {
  beforeEach(() => {
    setWait(async () => {});
    useAntiForgeryToken('csrf-1');
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends the anti-forgery token with writes only, and the session cookie with everything', async () => {
    const calls = answers(json(200, {}), json(201, {}));
    await send('GET', '/me');
    await send('POST', '/trials/t/queries', { body: {}, idempotencyKey: 'k' });
    expect(header(calls[0], 'X-CSRF-Token')).toBeUndefined();
    expect(header(calls[1], 'X-CSRF-Token')).toBe('csrf-1');
    expect(calls.every((c) => c.init.credentials === 'same-origin')).toBe(true);
    expect(calls[0].url).toBe('/api/v1/me');
  });

  it('retries a keyed write after a dropped connection with the same key and body', async () => {
    const calls = answers(new TypeError('Failed to fetch'), json(503, {}, { 'Retry-After': '1' }), json(200, { ok: true }, { ETag: '"3"', 'Idempotency-Replayed': 'true' }));
    const reply = await send('PUT', '/x', { body: { a: 1 }, ifMatch: '"2"', idempotencyKey: 'same' });
    expect(reply.etag).toBe('"3"');
    expect(reply.replayed).toBe(true);
    expect(calls.map((c) => header(c, 'Idempotency-Key'))).toEqual(['same', 'same', 'same']);
    expect(calls.map((c) => header(c, 'If-Match'))).toEqual(['"2"', '"2"', '"2"']);
    expect(new Set(calls.map((c) => c.init.body)).size).toBe(1);
  });

  it('does not retry a write without a key, and says the connection is down', async () => {
    const calls = answers(new TypeError('Failed to fetch'));
    await expect(send('DELETE', '/sessions/current')).rejects.toBeInstanceOf(OfflineError);
    expect(calls).toHaveLength(1);
  });

  it('gives up after five attempts and keeps nothing silently', async () => {
    const calls = answers();
    await expect(send('GET', '/me')).rejects.toBeInstanceOf(OfflineError);
    expect(calls).toHaveLength(5);
  });

  it('turns a problem into an error with its violations, and a 401 into signing out', async () => {
    let signedOut = 0;
    onSignedOut(() => signedOut++);
    answers(json(422, { title: 'Unprocessable', status: 422, violations: [{ field: 'answers.q1', rule: 'range', message: 'q1 is 0 to 4.' }] }), json(401, { title: 'Unauthorized', status: 401 }));
    const refused = await send('PUT', '/x', { body: {}, idempotencyKey: 'k' }).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).violations[0].field).toBe('answers.q1');
    expect(signedOut).toBe(0);
    await expect(send('GET', '/me')).rejects.toBeInstanceOf(ApiError);
    expect(signedOut).toBe(1);
  });
});
