// Brief values as the API holds them, and as forms and pages show them.
import type { Schemas } from './api/client';

export type FieldDef = Schemas['FieldDef'];
export type Values = Record<string, unknown>;
export interface Line {
  key?: string;
  name: string;
  spec: string;
  channel: string;
  due: string | null;
}

/** A field's value for a form: lines as a list, multi-selects as a list, the rest as they are. */
export function lines(v: unknown): Line[] {
  if (!Array.isArray(v)) return [];
  return v.map((l) => {
    const o = (l ?? {}) as Record<string, unknown>;
    return {
      key: typeof o.key === 'string' ? o.key : undefined,
      name: String(o.name ?? ''),
      spec: String(o.spec ?? ''),
      channel: String(o.channel ?? ''),
      due: typeof o.due === 'string' ? o.due : null,
    };
  });
}

/** Whether a value counts as filled (the server's rule for required fields). */
export function filled(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** Free-form JSON objects, as the generated API schema types them. */
export type Body = Record<string, never>;

/** The values worth sending: empty strings and lists become null (which clears them). */
export function cleaned(fields: FieldDef[], values: Values): Body {
  const out: Values = {};
  for (const f of fields) {
    const v = values[f.key];
    if (f.type === 'deliverables') {
      const ls = lines(v).filter((l) => l.name.trim() !== '');
      out[f.key] = ls.length ? ls.map((l) => ({ ...l, due: l.due || null })) : null;
    } else if (f.type === 'number') {
      out[f.key] = v === '' || v === null || v === undefined ? null : Number(v);
    } else if (f.type === 'checkbox') {
      out[f.key] = v === true;
    } else {
      out[f.key] = filled(v) ? v : null;
    }
  }
  return out as Body;
}

/** One value in words, for reading a brief and its diffs. */
export function valueText(f: FieldDef | undefined, v: unknown, people: Record<string, string> = {}): string {
  if (v === null || v === undefined || v === '') return '—';
  if (f?.type === 'checkbox') return v ? 'Yes' : 'No';
  if (f?.type === 'person' && typeof v === 'string') return people[v] ?? v;
  if (f?.type === 'deliverables' || (Array.isArray(v) && v.some((x) => typeof x === 'object'))) {
    return lines(v)
      .map((l) => [l.name, l.spec, l.channel, l.due ? `due ${l.due}` : ''].filter(Boolean).join(' · '))
      .join('\n');
  }
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}
