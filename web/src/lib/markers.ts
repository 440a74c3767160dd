// Marker files: a video version's comments out to an editor's timeline and back in
// (`GET`/`POST /api/v1/versions/{id}/markers`), and the printable report. Pure helpers for the
// review page's dialogs (tested in markers.test.ts); the formats themselves are the server's.
import { Timecode, TimecodeFormat, type Rate } from './timecode';

export type MarkerFormat = 'resolve-edl' | 'fcpxml' | 'fcp7-xml' | 'avid-txt' | 'otio' | 'csv' | 'txt' | 'ae-jsx';

export interface FormatInfo {
  id: MarkerFormat;
  /** What editors call it. */
  name: string;
  /** One line on what it is for. */
  hint: string;
  /** Whether the server reads it back (import). */
  importable: boolean;
}

/** Every format the server writes, in the order the export dialog offers them. */
export const FORMATS: readonly FormatInfo[] = [
  { id: 'resolve-edl', name: 'DaVinci Resolve EDL', hint: 'Timeline markers for Resolve (.edl)', importable: true },
  { id: 'fcpxml', name: 'Final Cut Pro FCPXML', hint: 'Markers on a clip for Final Cut Pro (.fcpxml)', importable: true },
  { id: 'fcp7-xml', name: 'Premiere Pro XML', hint: 'Sequence markers in FCP7 XML, for Premiere Pro (.xml)', importable: true },
  { id: 'avid-txt', name: 'Avid marker list', hint: 'Tab-separated markers for Media Composer (.txt)', importable: true },
  { id: 'otio', name: 'OpenTimelineIO', hint: 'Markers for any tool that reads OTIO (.otio)', importable: true },
  { id: 'csv', name: 'CSV spreadsheet', hint: 'One row per comment, for Excel or Sheets (.csv)', importable: true },
  { id: 'txt', name: 'Text list', hint: 'A plain list to read or paste into a mail (.txt)', importable: false },
  { id: 'ae-jsx', name: 'After Effects script', hint: 'A script that adds composition markers (.jsx)', importable: false },
];

export const IMPORTABLE = FORMATS.filter((f) => f.importable);

/** The export dialog's fields. */
export interface ExportOptions {
  format: MarkerFormat;
  /** Which threads: open ones, resolved ones, or all. */
  state: 'open' | 'resolved' | 'all';
  colourBy: 'state' | 'author';
  includeAuthor: boolean;
  replies: boolean;
  /** Several comments on one frame become one marker. */
  merge: boolean;
  /** The start timecode the file counts from; empty for the server's default (the source's). */
  start: string;
}

export function defaultExport(): ExportOptions {
  return { format: 'resolve-edl', state: 'all', colourBy: 'state', includeAuthor: true, replies: true, merge: false, start: '' };
}

/** `GET /api/v1/versions/{id}/markers?…` for these options (every option spelled out). */
export function exportUrl(versionId: string, o: ExportOptions): string {
  const q = new URLSearchParams({
    format: o.format,
    state: o.state,
    colour_by: o.colourBy,
    include_author: String(o.includeAuthor),
    replies: String(o.replies),
    merge: String(o.merge),
  });
  if (o.start.trim()) q.set('start', o.start.trim());
  return `/api/v1/versions/${encodeURIComponent(versionId)}/markers?${q}`;
}

/** `POST /api/v1/versions/{id}/markers?…`: the format (null: the server tells it from the content). */
export function importUrl(versionId: string, o: { format: MarkerFormat | null; dryRun: boolean; start: string }): string {
  const q = new URLSearchParams({ dry_run: String(o.dryRun) });
  if (o.format) q.set('format', o.format);
  if (o.start.trim()) q.set('start', o.start.trim());
  return `/api/v1/versions/${encodeURIComponent(versionId)}/markers?${q}`;
}

/** `GET /api/v1/versions/{id}/report`: the printable report (HTML the browser prints to PDF). */
export function reportUrl(versionId: string): string {
  return `/api/v1/versions/${encodeURIComponent(versionId)}/report`;
}

/**
 * The file name a `Content-Disposition` header gives (`filename*=UTF-8''…` preferred over
 * `filename="…"`), without any folder part; `fallback` when there is none.
 */
export function filenameOf(disposition: string | null, fallback: string): string {
  let name: string | null = null;
  if (disposition) {
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star?.[1]) {
      try {
        name = decodeURIComponent(star[1].trim());
      } catch {
        name = null;
      }
    }
    if (!name) {
      const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(disposition);
      name = plain ? (plain[1] ?? plain[2] ?? '').replace(/\\(.)/g, '$1').trim() : null;
    }
  }
  const base = name?.split(/[/\\]/).pop()?.trim();
  return base ? base : fallback;
}

/**
 * The start timecode a marker file counts from by default: the source's, else 01:00:00:00
 * (01:00:00;00 at drop-frame), as the server picks it.
 */
export function defaultStart(source: string | null | undefined, dropFrame: boolean): string {
  return source ?? (dropFrame ? '01:00:00;00' : '01:00:00:00');
}

/** Why a typed start timecode is refused at this rate, or null when it is a timecode (or empty). */
export function startProblem(start: string, rate: Rate, dropFrame: boolean): string | null {
  if (!start.trim()) return null;
  try {
    new Timecode(new TimecodeFormat(rate, dropFrame), start.trim());
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
