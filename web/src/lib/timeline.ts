// The timeline's comment markers: one button per few pixels, however many comments there are.

/** A comment on the timeline: a frame, or an inclusive range. */
export type Marker = { id: string; frame: number; out: number | null; color: string; resolved: boolean; label: string };

/** Markers drawn as one: those that start (and end) within the same few pixels. */
export type MarkerGroup = Marker & { count: number };

/**
 * Groups markers that would overlap on a timeline `width` pixels wide for `span` frames: one
 * button per `px` pixels (per start and end for a range), in the order the markers come. A group
 * takes its first marker's id, colour and place, and is resolved only when all of it is. So a
 * thousand comments make at most a few hundred buttons.
 */
export function groupMarkers(markers: readonly Marker[], span: number, width: number, px = 4): MarkerGroup[] {
  const per = Math.max(1, span) / Math.max(1, width / px);
  const groups = new Map<string, MarkerGroup>();
  const names = new Map<string, string[]>();
  for (const m of markers) {
    const key = `${Math.floor(m.frame / per)}:${m.out === null ? '' : Math.floor(m.out / per)}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { ...m, count: 1 });
      names.set(key, [m.label]);
    } else {
      g.count++;
      g.resolved = g.resolved && m.resolved;
      names.get(key)!.push(m.label);
    }
  }
  for (const [key, g] of groups) {
    if (g.count > 1) g.label = `${g.count} comments: ${names.get(key)!.slice(0, 3).join(' · ')}${g.count > 3 ? ' …' : ''}`;
  }
  return [...groups.values()];
}
