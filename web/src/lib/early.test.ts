import { describe, expect, it } from 'vitest';
import { early, startEarly } from './early';

describe('early', () => {
  it('hands over a request started early, once', async () => {
    let calls = 0;
    startEarly('a', async () => ++calls);
    expect(await early('a', async () => -1)).toBe(1);
    expect(await early('a', async () => -1)).toBe(-1);
    expect(calls).toBe(1);
  });

  it('asks again when the early request failed or is stale', async () => {
    startEarly('b', () => Promise.reject(new Error('401')));
    await new Promise((r) => setTimeout(r));
    expect(await early('b', async () => 'fresh')).toBe('fresh');
    startEarly('c', async () => 'old');
    expect(await early('c', async () => 'new', Date.now() + 60_000)).toBe('new');
  });
});
