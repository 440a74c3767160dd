import { describe, expect, it } from 'vitest';
import { guestPaths, waitLabel } from './guest';

describe('guestPaths', () => {
  it('opens one-asset links at the link itself and lists the others', () => {
    const one = guestPaths('tok', 'version');
    expect([one.assetPath('a1'), one.listPath]).toEqual(['/s/tok', null]);
    const many = guestPaths('tok', 'folder');
    expect([many.assetPath('a1'), many.listPath]).toEqual(['/s/tok/a/a1', '/s/tok']);
  });
});

describe('waitLabel', () => {
  it('says a wait in words', () => {
    expect(waitLabel(42)).toBe('42 s');
    expect(waitLabel(60)).toBe('1 min');
    expect(waitLabel(125.2)).toBe('2 min 6 s');
  });
});
