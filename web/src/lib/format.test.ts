import { describe, expect, it } from 'vitest';
import { ago, bytes, percent } from './format';

describe('bytes', () => {
  it('uses decimal units with sensible precision', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(999)).toBe('999 B');
    expect(bytes(1536)).toBe('1.54 KB');
    expect(bytes(107_374_182_400)).toBe('107 GB');
    expect(bytes(-1)).toBe('—');
  });
});

describe('ago', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it('reads like a person would say it', () => {
    expect(ago('2026-11-23T11:59:50Z', now)).toBe('just now');
    expect(ago('2026-11-23T11:30:00Z', now)).toBe('30 min ago');
    expect(ago('2026-11-23T09:00:00Z', now)).toBe('3 h ago');
    expect(ago('2026-11-22T10:00:00Z', now)).toBe('yesterday');
    expect(ago('2026-11-19T12:00:00Z', now)).toBe('4 days ago');
  });
});

describe('percent', () => {
  it('clamps', () => {
    expect(percent(50, 200)).toBe(25);
    expect(percent(300, 200)).toBe(100);
    expect(percent(1, 0)).toBe(100);
  });
});
