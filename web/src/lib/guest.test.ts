import { describe, expect, it } from 'vitest';
import { guestPaths, tokenFingerprint, waitLabel } from './guest';

describe('guestPaths', () => {
  it('opens one-asset links at the link itself and lists the others', () => {
    const one = guestPaths('tok', 'version');
    expect([one.assetPath('a1'), one.listPath]).toEqual(['/s/tok', null]);
    const many = guestPaths('tok', 'folder');
    expect([many.assetPath('a1'), many.listPath]).toEqual(['/s/tok/a/a1', '/s/tok']);
  });
});

describe('tokenFingerprint', () => {
  it('is stable, short and tells tokens apart', () => {
    expect(tokenFingerprint('abc')).toBe(tokenFingerprint('abc'));
    expect(tokenFingerprint('abc')).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenFingerprint('abc')).not.toBe(tokenFingerprint('abd'));
    expect(tokenFingerprint('abc')).not.toContain('abc');
  });
});

describe('waitLabel', () => {
  it('says a wait in words', () => {
    expect(waitLabel(42)).toBe('42 s');
    expect(waitLabel(60)).toBe('1 min');
    expect(waitLabel(125.2)).toBe('2 min 6 s');
  });
});
