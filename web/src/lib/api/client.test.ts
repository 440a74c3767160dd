import { describe, expect, it } from 'vitest';
import { ApiFailure, answer, call, toFailure, watchFailures } from './client';

describe('toFailure', () => {
  it('reads the error shape', () => {
    const f = toFailure(409, { code: 'last-owner', message: 'a workspace must keep an owner', request_id: 'abc' });
    expect(f).toBeInstanceOf(ApiFailure);
    expect([f.status, f.code, f.message, f.requestId]).toEqual([409, 'last-owner', 'a workspace must keep an owner', 'abc']);
  });
  it('explains network failures and odd answers', () => {
    expect(toFailure(0, null).code).toBe('network');
    expect(toFailure(502, 'Bad Gateway').message).toBe('The server answered 502.');
  });
});

describe('call', () => {
  it('returns data on success and throws the failure otherwise', async () => {
    const ok = call(Promise.resolve({ data: { a: 1 }, response: new Response(null, { status: 200 }) }));
    await expect(ok).resolves.toEqual({ a: 1 });
    const bad = call(Promise.resolve({ error: { code: 'forbidden', message: 'no' }, response: new Response(null, { status: 403 }) }));
    await expect(bad).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    const down = call(Promise.reject(new TypeError('fetch failed')));
    await expect(down).rejects.toMatchObject({ code: 'network' });
  });
});

describe('answer and watchFailures', () => {
  it('answers the status with the data', async () => {
    const r = answer(Promise.resolve({ data: { code: 'verification-sent' }, response: new Response(null, { status: 202 }) }));
    await expect(r).resolves.toEqual({ status: 202, data: { code: 'verification-sent' } });
  });
  it('reads Retry-After and tells the watchers', async () => {
    const seen: string[] = [];
    const stop = watchFailures((f) => seen.push(f.code));
    const limited = answer(
      Promise.resolve({
        error: { code: 'too-many-attempts', message: 'too many failed attempts; try again in 42 s' },
        response: new Response(null, { status: 429, headers: { 'Retry-After': '42' } }),
      }),
    );
    await expect(limited).rejects.toMatchObject({ status: 429, retryAfter: 42 });
    stop();
    await expect(call(Promise.reject(new TypeError('down')))).rejects.toMatchObject({ code: 'network' });
    expect(seen).toEqual(['too-many-attempts']);
  });
});
