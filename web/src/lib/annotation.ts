// Drawings over the picture: the API's annotation format, the server's rules for it
// (crates/domain/src/review.rs), and the geometry the Annotator draws with.
//
// Points live on a 0..1 plane (x from the left, y from the top) so a drawing scales with the
// player; widths are pixels at 1080 lines of picture height.

/** What the pen draws. */
export type Tool = 'arrow' | 'rect' | 'ellipse' | 'line' | 'freehand' | 'text';

/** `[x, y]`: on the 0..1 plane in a shape, or in pixels where a helper says so. */
export type Point = [number, number];

/**
 * One shape of a drawing. Points: arrow and line from → to, rect and ellipse two opposite
 * corners, freehand the stroke (2 to 5000), text its anchor (the top left of its first line).
 */
export type Shape = { type: Tool; color: string; width: number; points: Point[]; text?: string };

/** A drawing, as the API takes it on a comment. */
export type Annotation = { shapes: Shape[] };

export const TOOLS: readonly Tool[] = ['arrow', 'rect', 'ellipse', 'line', 'freehand', 'text'];

// The server's limits (review.rs).
export const MAX_SHAPES = 200;
export const MAX_POINTS_PER_SHAPE = 5_000;
export const MAX_POINTS = 20_000;
export const MAX_TEXT_CHARS = 500;
export const MIN_WIDTH = 0.5;
export const MAX_WIDTH = 64;

/** A number forced onto 0..1 (NaN is 0). */
export function clamp01(v: number): number {
  return v > 0 ? (v < 1 ? v : 1) : 0;
}

/** Stroke width on screen: `width` is pixels at 1080 lines, the box is `boxHeight` pixels tall. */
export function strokePx(width: number, boxHeight: number): number {
  return (width * boxHeight) / 1080;
}

/** Font size of a text shape on screen: 24 + 4 × width pixels at 1080 lines (40 px at width 4). */
export function textPx(width: number, boxHeight: number): number {
  return strokePx(24 + 4 * width, boxHeight);
}

/** Distance from `p` to the segment a–b. */
function segmentDistance(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : clamp01(((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2);
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/**
 * Ramer–Douglas–Peucker, run once to the bottom: for each point, the largest tolerance at which
 * RDP still keeps it (its distance from the chord that split it off, capped by its parents').
 * RDP at tolerance t keeps exactly the points above t, so any tolerance can be applied after.
 */
function keepUntil(points: Point[]): Float64Array {
  const until = new Float64Array(points.length);
  until[0] = Number.POSITIVE_INFINITY;
  until[points.length - 1] = Number.POSITIVE_INFINITY;
  // An explicit stack: a long stroke would overflow recursion.
  const stack: [number, number, number][] = [[0, points.length - 1, Number.POSITIVE_INFINITY]];
  while (stack.length > 0) {
    const [first, last, cap] = stack.pop() as [number, number, number];
    let far = -1;
    let farDistance = 0;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance(points[i] as Point, points[first] as Point, points[last] as Point);
      if (d > farDistance) [far, farDistance] = [i, d];
    }
    // All on the chord: RDP drops them at any tolerance (they stay at 0).
    if (far < 0) continue;
    const at = Math.min(farDistance, cap);
    until[far] = at;
    stack.push([first, far, at], [far, last, at]);
  }
  return until;
}

/**
 * A stroke with the points it does not need dropped: Ramer–Douglas–Peucker with `tolerance` in
 * the points' own units; the ends are kept. Should that leave more than the server's 5000
 * points, the tolerance rises just enough to fit, so any stroke can be sent.
 */
export function simplify(points: Point[], tolerance: number): Point[] {
  if (points.length < 3) return points.map(([x, y]) => [x, y]);
  const until = keepUntil(points);
  let tol = Math.max(0, tolerance);
  const kept = until.reduce((n, u) => (u > tol ? n + 1 : n), 0);
  if (kept > MAX_POINTS_PER_SHAPE) {
    // At most MAX points lie above the MAX-th largest (counting from 0).
    tol = Math.max(tol, until.slice().sort((a, b) => b - a)[MAX_POINTS_PER_SHAPE] ?? 0);
  }
  const out: Point[] = [];
  points.forEach(([x, y], i) => {
    if ((until[i] ?? 0) > tol) out.push([x, y]);
  });
  return out;
}

/**
 * An arrowhead for an arrow from → to (pixels): `[left wing, tip, right wing]`, `size` long and
 * a little over half as wide, never longer than half the arrow.
 */
export function arrowHead(from: Point, to: Point, size: number): [Point, Point, Point] {
  const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
  const len = Math.hypot(dx, dy);
  if (len === 0) return [
    [to[0], to[1]],
    [to[0], to[1]],
    [to[0], to[1]],
  ];
  const s = Math.min(size, len / 2);
  const [ux, uy] = [dx / len, dy / len];
  const [bx, by] = [to[0] - ux * s, to[1] - uy * s];
  const half = s * 0.55;
  return [
    [bx + uy * half, by - ux * half],
    [to[0], to[1]],
    [bx - uy * half, by + ux * half],
  ];
}

/** The SVG path of a freehand stroke (pixels), smoothed through the midpoints between points. */
export function freehandPath(points: Point[]): string {
  const f = (n: number) => Math.round(n * 100) / 100;
  const [first, ...rest] = points;
  if (!first) return '';
  if (rest.length === 0) return `M${f(first[0])} ${f(first[1])}l0 0`;
  let d = `M${f(first[0])} ${f(first[1])}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const [p, q] = [rest[i] as Point, rest[i + 1] as Point];
    d += `Q${f(p[0])} ${f(p[1])} ${f((p[0] + q[0]) / 2)} ${f((p[1] + q[1]) / 2)}`;
  }
  const end = rest[rest.length - 1] as Point;
  return `${d}L${f(end[0])} ${f(end[1])}`;
}

/**
 * Whether a two-point shape (arrow, line, rect, ellipse) spans less than `minPx` on a box of
 * `boxWidth` × `boxHeight`: a click, not a drag, so not meant as a shape.
 */
export function isClick(shape: Shape, boxWidth: number, boxHeight: number, minPx = 4): boolean {
  if (shape.type === 'freehand' || shape.type === 'text') return false;
  const [a, b] = shape.points;
  if (!a || !b) return true;
  return Math.max(Math.abs(b[0] - a[0]) * boxWidth, Math.abs(b[1] - a[1]) * boxHeight) < minPx;
}

const NAMES: Record<Tool, [string, string]> = {
  arrow: ['arrow', 'arrows'],
  rect: ['rectangle', 'rectangles'],
  ellipse: ['ellipse', 'ellipses'],
  line: ['line', 'lines'],
  freehand: ['freehand stroke', 'freehand strokes'],
  text: ['text', 'texts'],
};

/** A drawing in words, for screen readers: "Drawing with 3 shapes: 2 arrows, text “logo”". */
export function describe(shapes: Shape[]): string {
  if (shapes.length === 0) return 'Empty drawing';
  const parts: string[] = [];
  for (const tool of TOOLS) {
    const of = shapes.filter((s) => s.type === tool);
    if (of.length === 0) continue;
    if (tool === 'text') parts.push(...of.map((s) => `text “${s.text ?? ''}”`));
    else parts.push(`${of.length} ${NAMES[tool][of.length === 1 ? 0 : 1]}`);
  }
  return `Drawing with ${shapes.length} shape${shapes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

// Rust's `str::trim` (Unicode White_Space) and `char::is_control` (Cc but the allowed line break).
const TRIM = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const unit = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

/**
 * Checks a drawing by the server's rules: null when it would be accepted, else what is wrong,
 * in the server's words.
 */
export function validate(a: Annotation): string | null {
  if (a.shapes.length === 0) return 'a drawing needs at least one shape (or leave annotation out)';
  if (a.shapes.length > MAX_SHAPES) return `a drawing may have at most ${MAX_SHAPES} shapes, not ${a.shapes.length}`;
  const total = a.shapes.reduce((n, s) => n + s.points.length, 0);
  if (total > MAX_POINTS) return `a drawing may have at most ${MAX_POINTS} points in all, not ${total}`;
  for (const [i, s] of a.shapes.entries()) {
    const n = s.points.length;
    const kind: string = s.type;
    let pointsOk: boolean;
    if (kind === 'arrow' || kind === 'line' || kind === 'rect' || kind === 'ellipse') pointsOk = n === 2;
    else if (kind === 'freehand') pointsOk = n >= 2 && n <= MAX_POINTS_PER_SHAPE;
    else if (kind === 'text') pointsOk = n === 1;
    else return `shape ${i}: unknown type ${JSON.stringify(kind)} (arrow, rect, ellipse, line, freehand or text)`;
    if (!pointsOk) {
      return `shape ${i} (${kind}): wrong number of points (${n}); arrow, line, rect and ellipse take 2, text 1, freehand 2 to ${MAX_POINTS_PER_SHAPE}`;
    }
    if (s.points.some((p) => !Array.isArray(p) || p.length !== 2 || !unit(p[0]) || !unit(p[1]))) {
      return `shape ${i}: every point must be two numbers from 0 to 1`;
    }
    if (typeof s.color !== 'string' || !/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s.color)) {
      return `shape ${i}: color must be #rgb or #rrggbb, not ${JSON.stringify(s.color)}`;
    }
    if (!(Number.isFinite(s.width) && s.width >= MIN_WIDTH && s.width <= MAX_WIDTH)) {
      return `shape ${i}: width must be from ${MIN_WIDTH} to ${MAX_WIDTH}`;
    }
    // The server reads a missing text and `null` alike.
    const text = s.text ?? null;
    if (text !== null && kind === 'text') {
      const len = [...text.replace(TRIM, '')].length;
      if (len === 0 || len > MAX_TEXT_CHARS || CONTROL.test(text)) {
        return `shape ${i}: text must be 1 to ${MAX_TEXT_CHARS} characters without control characters`;
      }
    } else if (kind === 'text') {
      return `shape ${i}: a text shape needs text`;
    } else if (text !== null) {
      return `shape ${i}: only text shapes carry text`;
    }
  }
  return null;
}
