import { describe, expect, it } from 'vitest';
import { groupMarkers, type Marker } from './timeline';

const m = (id: string, frame: number, out: number | null = null, resolved = false): Marker => ({ id, frame, out, color: '#fff', resolved, label: `note ${id}` });

describe('groupMarkers', () => {
  it('keeps markers apart when they are pixels apart', () => {
    const g = groupMarkers([m('a', 0), m('b', 50), m('c', 99)], 100, 400);
    expect(g.map((x) => [x.id, x.count])).toEqual([['a', 1], ['b', 1], ['c', 1]]);
    expect(g[0]!.label).toBe('note a');
  });

  it('draws markers within the same few pixels as one, named after the first three', () => {
    const g = groupMarkers([m('a', 10), m('b', 10, null, true), m('c', 10), m('d', 11), m('e', 90)], 100, 100, 4);
    expect(g.map((x) => [x.id, x.count])).toEqual([['a', 4], ['e', 1]]);
    expect(g[0]!.label).toBe('4 comments: note a · note b · note c …');
    expect(g[0]!.resolved).toBe(false);
  });

  it('groups ranges by start and end, apart from points', () => {
    const g = groupMarkers([m('p', 10), m('r1', 10, 60), m('r2', 11, 61), m('r3', 10, 90)], 100, 100, 4);
    expect(g.map((x) => [x.id, x.count])).toEqual([['p', 1], ['r1', 2], ['r3', 1]]);
  });

  it('is resolved only when every marker in it is', () => {
    const g = groupMarkers([m('a', 5, null, true), m('b', 5, null, true)], 100, 100);
    expect(g).toHaveLength(1);
    expect(g[0]!.resolved).toBe(true);
  });

  it('makes a few hundred buttons of a thousand comments', () => {
    const many = Array.from({ length: 1000 }, (_, i) => m(String(i), Math.floor(i / 4)));
    expect(groupMarkers(many, 250, 800).length).toBeLessThanOrEqual(200);
  });
});
