import { describe, expect, it } from 'vitest';
import { match, safeNext } from './router';

describe('match', () => {
  it('extracts parameters', () => {
    expect(match('/p/:project/f/:folder', '/p/abc/f/def')).toEqual({ project: 'abc', folder: 'def' });
    expect(match('/w/:id', '/w/123/')).toEqual({ id: '123' });
  });
  it('refuses other shapes', () => {
    expect(match('/p/:project', '/p/abc/f/def')).toBeNull();
    expect(match('/account', '/accounts')).toBeNull();
  });
  it('decodes', () => {
    expect(match('/x/:v', '/x/a%20b')).toEqual({ v: 'a b' });
  });
});

describe('safeNext', () => {
  it('keeps same-site paths and drops everything else', () => {
    expect(safeNext('/p/1')).toBe('/p/1');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
