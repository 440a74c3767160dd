import { describe, expect, it } from 'vitest';
import { cleaned, filled, lines, valueText, type FieldDef } from './brief';

const f = (key: string, type: FieldDef['type']): FieldDef => ({ key, label: key, type });

describe('brief values', () => {
  it('sends empty fields as null so they clear, and keeps lines with a name', () => {
    const fields = [f('a', 'text'), f('n', 'number'), f('c', 'checkbox'), f('d', 'deliverables'), f('m', 'multi_select')];
    const out = cleaned(fields, {
      a: '  ',
      n: '12',
      d: [{ name: 'Hero 30s', spec: '16:9', channel: 'TV', due: '' }, { name: '', spec: '', channel: '', due: null }],
      m: [],
    });
    expect(out).toEqual({ a: null, n: 12, c: false, d: [{ name: 'Hero 30s', spec: '16:9', channel: 'TV', due: null, key: undefined }], m: null });
  });

  it('reads values in words', () => {
    expect(valueText(f('c', 'checkbox'), true)).toBe('Yes');
    expect(valueText(f('p', 'person'), 'u1', { u1: 'Rita' })).toBe('Rita');
    expect(valueText(f('d', 'deliverables'), [{ name: 'Hero', spec: '16:9', channel: '', due: '2026-12-18' }])).toBe(
      'Hero · 16:9 · due 2026-12-18',
    );
    expect(valueText(undefined, null)).toBe('—');
    expect(filled([])).toBe(false);
    expect(lines('x')).toEqual([]);
  });
});
