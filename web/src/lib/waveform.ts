// An audio version's waveform: the peaks file ingest writes (`{"peaks": [[lo, hi], …]}`, each
// from -1 to 1, evenly over the duration), fetched once per URL and drawn on a canvas.

export type Peaks = [number, number][];

const loaded = new Map<string, Promise<Peaks | null>>();

/** The peaks at `url` (one request however many views ask); null when there are none. */
export function loadPeaks(url: string): Promise<Peaks | null> {
  let p = loaded.get(url);
  if (!p) {
    p = fetch(url)
      .then((r) => (r.ok ? r.json() : null))
      .then((j: { peaks?: unknown } | null) => (Array.isArray(j?.peaks) ? (j.peaks as Peaks) : null))
      .catch(() => null);
    loaded.set(url, p);
  }
  return p;
}

/** The peak pair drawn in column `x` of `columns`. */
export function peakAt(peaks: Peaks, x: number, columns: number): [number, number] {
  return peaks[Math.min(peaks.length - 1, Math.floor((x / Math.max(1, columns)) * peaks.length))] ?? [0, 0];
}

/**
 * Draws the waveform filling `canvas` at `width`×`height` CSS pixels (sharp on high-density
 * screens): a bar per device pixel from the middle line; columns before `played` (0 to 1) in
 * `playedColor`.
 */
export function drawPeaks(
  canvas: HTMLCanvasElement,
  peaks: Peaks,
  width: number,
  height: number,
  color: string,
  played = 0,
  playedColor = color,
): void {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  const g = canvas.getContext('2d');
  if (!g || !peaks.length) return;
  g.clearRect(0, 0, canvas.width, canvas.height);
  const mid = canvas.height / 2;
  const split = Math.round(played * canvas.width);
  for (let x = 0; x < canvas.width; x++) {
    const [lo, hi] = peakAt(peaks, x, canvas.width);
    const top = mid - Math.max(0, hi) * mid;
    const bottom = mid - Math.min(0, lo) * mid;
    g.fillStyle = x < split ? playedColor : color;
    g.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}
