import { describe, expect, it } from 'vitest';
import { FORMATS, IMPORTABLE, defaultExport, defaultStart, exportUrl, filenameOf, importUrl, reportUrl, startProblem } from './markers';

describe('FORMATS', () => {
  it('names the eight formats the server writes, six of which it reads', () => {
    expect(FORMATS.map((f) => f.id)).toEqual(['resolve-edl', 'fcpxml', 'fcp7-xml', 'avid-txt', 'otio', 'csv', 'txt', 'ae-jsx']);
    expect(IMPORTABLE.map((f) => f.id)).toEqual(['resolve-edl', 'fcpxml', 'fcp7-xml', 'avid-txt', 'otio', 'csv']);
    expect(new Set(FORMATS.map((f) => f.name)).size).toBe(8);
  });
});

describe('exportUrl', () => {
  it('spells out every option and leaves an empty start to the server', () => {
    const url = new URL(exportUrl('v1', defaultExport()), 'http://x');
    expect(url.pathname).toBe('/api/v1/versions/v1/markers');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      format: 'resolve-edl',
      state: 'all',
      colour_by: 'state',
      include_author: 'true',
      replies: 'true',
      merge: 'false',
    });
  });
  it('passes the choices and a trimmed start timecode', () => {
    const o = { ...defaultExport(), format: 'csv' as const, state: 'open' as const, colourBy: 'author' as const, includeAuthor: false, replies: false, merge: true, start: ' 10:00:00;00 ' };
    const q = new URL(exportUrl('v1', o), 'http://x').searchParams;
    expect([q.get('format'), q.get('state'), q.get('colour_by'), q.get('include_author'), q.get('replies'), q.get('merge'), q.get('start')]).toEqual(
      ['csv', 'open', 'author', 'false', 'false', 'true', '10:00:00;00'],
    );
  });
});

describe('importUrl', () => {
  it('asks for a dry run, with the format only when one is chosen', () => {
    expect(importUrl('v1', { format: null, dryRun: true, start: '' })).toBe('/api/v1/versions/v1/markers?dry_run=true');
    expect(importUrl('v1', { format: 'otio', dryRun: false, start: '01:00:00:00' })).toBe(
      '/api/v1/versions/v1/markers?dry_run=false&format=otio&start=01%3A00%3A00%3A00',
    );
  });
  it('points the report at the version', () => {
    expect(reportUrl('a b')).toBe('/api/v1/versions/a%20b/report');
  });
});

describe('filenameOf', () => {
  it('prefers the UTF-8 name, then the quoted one, else the fallback', () => {
    expect(filenameOf(`attachment; filename="Hero _ v1.edl"; filename*=UTF-8''Hero%20%C3%A9%20v1.edl`, 'x')).toBe('Hero é v1.edl');
    expect(filenameOf('attachment; filename="notes.csv"', 'x')).toBe('notes.csv');
    expect(filenameOf('attachment; filename=plain.txt', 'x')).toBe('plain.txt');
    expect(filenameOf(null, 'markers.edl')).toBe('markers.edl');
    expect(filenameOf('attachment', 'markers.edl')).toBe('markers.edl');
  });
  it('never keeps a folder part', () => {
    expect(filenameOf(`attachment; filename*=UTF-8''..%2F..%2Fevil.sh`, 'x')).toBe('evil.sh');
    expect(filenameOf('attachment; filename="C:\\\\temp\\\\a.txt"', 'x')).toBe('a.txt');
  });
});

describe('start timecodes', () => {
  it('defaults to the source, else one hour (with ; at drop-frame)', () => {
    expect(defaultStart('10:00:00:00', false)).toBe('10:00:00:00');
    expect(defaultStart(null, false)).toBe('01:00:00:00');
    expect(defaultStart(undefined, true)).toBe('01:00:00;00');
  });
  it('explains a start that is not a timecode at the rate', () => {
    const pal = { num: 25, den: 1 };
    expect(startProblem('', pal, false)).toBeNull();
    expect(startProblem('01:00:00:00', pal, false)).toBeNull();
    expect(startProblem('01:00:00:25', pal, false)).toMatch(/frame field must be below 25/);
    expect(startProblem('one hour', pal, false)).toMatch(/not a timecode/);
    expect(startProblem('01:00:00;00', pal, false)).toMatch(/non-drop/);
    expect(startProblem('00:01:00;00', { num: 30000, den: 1001 }, true)).toMatch(/does not exist in drop-frame/);
  });
});
