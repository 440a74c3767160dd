import { describe, expect, it } from 'vitest';
import {
  MAX_POINTS_PER_SHAPE,
  arrowHead,
  clamp01,
  describe as describeDrawing,
  freehandPath,
  isClick,
  simplify,
  strokePx,
  textPx,
  validate,
  type Point,
  type Shape,
} from './annotation';

function shape(type: Shape['type'], points: Point[], extra: Partial<Shape> = {}): Shape {
  return { type, color: '#ff0044', width: 3, points, ...extra };
}

describe('clamp01', () => {
  it('forces numbers onto 0..1', () => {
    expect(clamp01(-0.2)).toBe(0);
    expect(clamp01(0.25)).toBe(0.25);
    expect(clamp01(1.5)).toBe(1);
    expect(clamp01(Number.NaN)).toBe(0);
    expect(clamp01(Number.POSITIVE_INFINITY)).toBe(1);
  });
});

describe('sizes', () => {
  it('scales widths from 1080 lines to the box', () => {
    expect(strokePx(4, 1080)).toBe(4);
    expect(strokePx(4, 540)).toBe(2);
    expect(strokePx(0.5, 2160)).toBe(1);
    expect(textPx(4, 1080)).toBe(40);
    expect(textPx(4, 540)).toBe(20);
  });
});

describe('simplify', () => {
  it('drops points on a straight line and keeps corners and ends', () => {
    const line: Point[] = Array.from({ length: 101 }, (_, i) => [i / 100, 0.5]);
    expect(simplify(line, 0.001)).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
    const corner: Point[] = [...Array.from({ length: 11 }, (_, i): Point => [i / 10, 0]), ...Array.from({ length: 10 }, (_, i): Point => [1, (i + 1) / 10])];
    expect(simplify(corner, 0.001)).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
    ]);
  });

  it('keeps wiggles above the tolerance and drops those below', () => {
    const zigzag: Point[] = Array.from({ length: 21 }, (_, i) => [i / 20, i % 2 === 0 ? 0.5 : 0.51]);
    expect(simplify(zigzag, 0.001)).toHaveLength(21);
    expect(simplify(zigzag, 0.02)).toHaveLength(2);
  });

  it('keeps a point that doubles back along the line', () => {
    // Collinear, but the stroke goes out to 0.9 and back: the far end must stay.
    const back: Point[] = [
      [0.1, 0.1],
      [0.5, 0.1],
      [0.9, 0.1],
      [0.5, 0.1],
      [0.3, 0.1],
    ];
    expect(simplify(back, 0.001)).toEqual([
      [0.1, 0.1],
      [0.9, 0.1],
      [0.3, 0.1],
    ]);
  });

  it('keeps what textbook recursive Ramer–Douglas–Peucker keeps', () => {
    const distance = (p: Point, a: Point, b: Point) => {
      const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
      return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
    };
    const rdp = (ps: Point[], tol: number): Point[] => {
      let [far, best] = [-1, tol];
      for (let i = 1; i < ps.length - 1; i++) {
        const d = distance(ps[i] as Point, ps[0] as Point, ps.at(-1) as Point);
        if (d > best) [far, best] = [i, d];
      }
      if (far < 0) return [ps[0] as Point, ps.at(-1) as Point];
      return [...rdp(ps.slice(0, far + 1), tol).slice(0, -1), ...rdp(ps.slice(far), tol)];
    };
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let run = 0; run < 20; run++) {
      const walk: Point[] = [[0.5, 0.5]];
      for (let i = 0; i < 300; i++) {
        const [x, y] = walk.at(-1) as Point;
        walk.push([clamp01(x + (random() - 0.5) * 0.02), clamp01(y + (random() - 0.5) * 0.02)]);
      }
      for (const tol of [0, 0.001, 0.005, 0.02]) expect(simplify(walk, tol)).toEqual(rdp(walk, tol));
    }
  });

  it('returns copies of short strokes and never more than the server takes', () => {
    const two: Point[] = [
      [0.1, 0.2],
      [0.3, 0.4],
    ];
    const out = simplify(two, 0.01);
    expect(out).toEqual(two);
    expect(out[0]).not.toBe(two[0]);
    // A dense spiral of 30 000 points that a tiny tolerance would keep almost whole.
    const spiral: Point[] = Array.from({ length: 30_000 }, (_, i) => {
      const t = i / 300;
      return [0.5 + 0.4 * (i / 30_000) * Math.cos(t), 0.5 + 0.4 * (i / 30_000) * Math.sin(t)];
    });
    const fitted = simplify(spiral, 1e-9);
    expect(fitted.length).toBeLessThanOrEqual(MAX_POINTS_PER_SHAPE);
    expect(fitted.length).toBeGreaterThan(100);
    expect(fitted[0]).toEqual(spiral[0]);
    expect(fitted.at(-1)).toEqual(spiral.at(-1));
  });
});

describe('arrowHead', () => {
  it('points at the tip with wings behind it', () => {
    const [left, tip, right] = arrowHead([0, 0], [100, 0], 10);
    expect(tip).toEqual([100, 0]);
    expect(left[0]).toBeCloseTo(90);
    expect(left[1]).toBeCloseTo(-5.5);
    expect(right[0]).toBeCloseTo(90);
    expect(right[1]).toBeCloseTo(5.5);
  });

  it('turns with the arrow and stays within half of a short one', () => {
    const [left, tip, right] = arrowHead([50, 50], [50, 10], 10);
    expect(tip).toEqual([50, 10]);
    expect(left[1]).toBeCloseTo(20);
    expect(right[1]).toBeCloseTo(20);
    expect(Math.abs(left[0] - right[0])).toBeCloseTo(11);
    const short = arrowHead([0, 0], [8, 0], 10);
    expect(short[0][0]).toBeCloseTo(4);
    expect(arrowHead([5, 5], [5, 5], 10)).toEqual([
      [5, 5],
      [5, 5],
      [5, 5],
    ]);
  });
});

describe('freehandPath', () => {
  it('smooths through midpoints and ends on the last point', () => {
    expect(freehandPath([])).toBe('');
    expect(freehandPath([[1, 2]])).toBe('M1 2l0 0');
    expect(
      freehandPath([
        [0, 0],
        [10, 0],
      ]),
    ).toBe('M0 0L10 0');
    expect(
      freehandPath([
        [0, 0],
        [10, 0],
        [10, 10],
        [20, 10.123],
      ]),
    ).toBe('M0 0Q10 0 10 5Q10 10 15 10.06L20 10.12');
  });
});

describe('isClick', () => {
  it('spots two-point shapes that were a click, not a drag', () => {
    expect(isClick(shape('arrow', [[0.5, 0.5], [0.5, 0.5]]), 800, 450)).toBe(true);
    expect(isClick(shape('rect', [[0.5, 0.5], [0.502, 0.503]]), 800, 450)).toBe(true); // 1.6 × 1.35 px
    expect(isClick(shape('rect', [[0.5, 0.5], [0.51, 0.5]]), 800, 450)).toBe(false); // 8 px wide
    expect(isClick(shape('line', [[0.5, 0.5], [0.5, 0.51]]), 800, 450)).toBe(false); // 4.5 px tall
    expect(isClick(shape('freehand', [[0.5, 0.5], [0.5, 0.5]]), 800, 450)).toBe(false);
    expect(isClick(shape('text', [[0.5, 0.5]], { text: 'a' }), 800, 450)).toBe(false);
  });
});

describe('describe', () => {
  it('counts shapes by kind and reads texts out', () => {
    expect(describeDrawing([])).toBe('Empty drawing');
    expect(describeDrawing([shape('rect', [[0, 0], [1, 1]])])).toBe('Drawing with 1 shape: 1 rectangle');
    expect(
      describeDrawing([
        shape('text', [[0.1, 0.1]], { text: 'logo' }),
        shape('arrow', [[0, 0], [1, 1]]),
        shape('arrow', [[0, 0], [1, 1]]),
      ]),
    ).toBe('Drawing with 3 shapes: 2 arrows, text “logo”');
  });
});

describe('validate', () => {
  const ok = (shapes: Shape[]) => validate({ shapes });

  it('accepts what the server accepts', () => {
    expect(ok([shape('arrow', [[0.1, 0.1], [0.5, 0.5]])])).toBeNull();
    expect(ok([shape('text', [[0.5, 0.5]], { text: 'logo', color: '#FA0', width: 0.5 })])).toBeNull();
    expect(ok([shape('freehand', Array.from({ length: 5000 }, (): Point => [0, 1]), { width: 64 })])).toBeNull();
    expect(ok([shape('text', [[0, 0]], { text: 'two\nlines' })])).toBeNull();
    expect(ok(Array.from({ length: 200 }, () => shape('ellipse', [[0.1, 0.1], [0.2, 0.2]])))).toBeNull();
  });

  it('refuses what the server refuses, in its words', () => {
    expect(ok([])).toBe('a drawing needs at least one shape (or leave annotation out)');
    expect(ok(Array.from({ length: 201 }, () => shape('ellipse', [[0.1, 0.1], [0.2, 0.2]])))).toBe(
      'a drawing may have at most 200 shapes, not 201',
    );
    const many = Array.from({ length: 5 }, () => shape('freehand', Array.from({ length: 4001 }, (): Point => [0.5, 0.5])));
    expect(ok(many)).toBe('a drawing may have at most 20000 points in all, not 20005');
    expect(ok([shape('star' as Shape['type'], [[0.1, 0.1], [0.5, 0.5]])])).toBe(
      'shape 0: unknown type "star" (arrow, rect, ellipse, line, freehand or text)',
    );
    expect(ok([shape('arrow', [[0.1, 0.1], [0.5, 0.5]]), shape('rect', [[0.1, 0.1]])])).toBe(
      'shape 1 (rect): wrong number of points (1); arrow, line, rect and ellipse take 2, text 1, freehand 2 to 5000',
    );
    expect(ok([shape('freehand', Array.from({ length: 5001 }, (): Point => [0.5, 0.5]))])).toMatch(/wrong number of points \(5001\)/);
    expect(ok([shape('freehand', [[0.5, 0.5]])])).toMatch(/wrong number of points \(1\)/);
    expect(ok([shape('line', [[0.1, 1.5], [0.5, 0.5]])])).toBe('shape 0: every point must be two numbers from 0 to 1');
    expect(ok([shape('line', [[Number.NaN, 0], [0.5, 0.5]])])).toBe('shape 0: every point must be two numbers from 0 to 1');
    expect(ok([shape('line', [[0, 0, 0] as unknown as Point, [0.5, 0.5]])])).toBe('shape 0: every point must be two numbers from 0 to 1');
    expect(ok([shape('text', [[0.5, 0.5]], { text: 'logo', color: 'red' })])).toBe('shape 0: color must be #rgb or #rrggbb, not "red"');
    expect(ok([shape('line', [[0, 0], [1, 1]], { color: '#12345g' })])).toMatch(/color must be/);
    expect(ok([shape('line', [[0, 0], [1, 1]], { color: '#1234' })])).toMatch(/color must be/);
    expect(ok([shape('line', [[0, 0], [1, 1]], { width: 0.4 })])).toBe('shape 0: width must be from 0.5 to 64');
    expect(ok([shape('line', [[0, 0], [1, 1]], { width: 65 })])).toBe('shape 0: width must be from 0.5 to 64');
    expect(ok([shape('line', [[0, 0], [1, 1]], { width: Number.POSITIVE_INFINITY })])).toMatch(/width must be/);
    expect(ok([shape('text', [[0.5, 0.5]])])).toBe('shape 0: a text shape needs text');
    expect(ok([shape('line', [[0, 0], [1, 1]], { text: 'x' })])).toBe('shape 0: only text shapes carry text');
  });

  it('counts text in characters after trimming, and refuses control characters but line breaks', () => {
    const text = (t: string) => ok([shape('text', [[0.5, 0.5]], { text: t })]);
    const refused = 'shape 0: text must be 1 to 500 characters without control characters';
    expect(text('   ')).toBe(refused);
    expect(text('\u3000')).toBe(refused);
    expect(text('😀'.repeat(500))).toBeNull(); // 500 characters, 1000 UTF-16 units
    expect(text(`  ${'x'.repeat(500)}  `)).toBeNull();
    expect(text('x'.repeat(501))).toBe(refused);
    expect(text('a\tb')).toBe(refused);
    expect(text('a\u0007b')).toBe(refused);
    expect(text('a\u0085b')).toBe(refused);
  });
});
