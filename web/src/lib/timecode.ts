// SMPTE timecode in the browser: integer frame ↔ label (`01:00:00;00`), drop-frame included,
// with the source's start timecode as an offset. A port of the server's
// crates/domain/src/timecode.rs and rate.rs: same answers, same refusals, same messages.
//
// Drop-frame exists at 29.97 (labels `;00` and `;01` skipped at the start of every minute but
// each tenth) and 59.94 (`;00`–`;03`). Labels wrap at 24 hours like a clock.

/** A frame rate: `num / den` frames per second, both positive integers (the API's `FrameRate`). */
export type Rate = { num: number; den: number };

const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

// The rates people write as decimals, as the server's CLI names them.
const NAMED_RATES: Record<string, string> = {
  '23.976': '24000/1001',
  '23.98': '24000/1001',
  '29.97': '30000/1001',
  '47.952': '48000/1001',
  '59.94': '60000/1001',
  '119.88': '120000/1001',
};

// Rust's `str::trim` (Unicode White_Space), so labels and rates trim exactly as on the server.
const RUST_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${RUST_SPACE}+|${RUST_SPACE}+$`, 'g');
const rustTrim = (s: string) => s.replace(TRIM, '');

/** Rust's `u64::from_str`: an optional `+`, then ASCII digits, at most 2⁶⁴ − 1. */
function parseU64(s: string): bigint | null {
  if (!/^\+?[0-9]+$/.test(s)) return null;
  const v = BigInt(s);
  return v <= U64_MAX ? v : null;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** `num/den` reduced; null when either is zero or the reduced parts do not fit 32 bits. */
function reduced(num: bigint, den: bigint): Rate | null {
  if (num === 0n || den === 0n) return null;
  const g = gcd(num, den);
  const [n, d] = [num / g, den / g];
  return n <= U32_MAX && d <= U32_MAX ? { num: Number(n), den: Number(d) } : null;
}

/**
 * Parses `30000/1001`, `50/2` (reduced to 25/1), `25`, or 23.976, 23.98, 29.97, 47.952, 59.94,
 * 119.88; `0/0` and garbage are null. The same forms as `frameproof tc --rate`.
 */
export function parseRate(s: string): Rate | null {
  const text = NAMED_RATES[rustTrim(s)] ?? s;
  const t = rustTrim(text);
  const slash = t.indexOf('/');
  if (slash < 0) {
    const n = parseU64(t);
    return n === null ? null : reduced(n, 1n);
  }
  const n = parseU64(rustTrim(t.slice(0, slash)));
  const d = parseU64(rustTrim(t.slice(slash + 1)));
  return n === null || d === null ? null : reduced(n, d);
}

/** The nominal (timecode) rate, rounded up: 30 for 29.97, 24 for 23.976, 120 for 119.88. */
export function nominal(rate: Rate): number {
  const whole = Math.floor(rate.num / rate.den);
  return rate.num % rate.den === 0 ? whole : whole + 1;
}

/** Frames per second as a float, for display only. */
export function fps(rate: Rate): number {
  return rate.num / rate.den;
}

/** `25/1`, `30000/1001`: how the server writes a rate in messages. */
function rateText(rate: Rate): string {
  return `${rate.num}/${rate.den}`;
}

/** Whether a rate is 29.97 or 59.94, the only rates with drop-frame timecode. */
function isNtscDropRate(rate: Rate): boolean {
  return rate.den === 1001 && (rate.num === 30000 || rate.num === 60000);
}

/** Why a timecode or its format was refused (the server's `TimecodeError` variants). */
export type TimecodeErrorKind = 'drop-frame-rate' | 'syntax' | 'range' | 'frame-field' | 'semicolon-at-non-drop' | 'dropped-label';

/** A refused timecode or format, with the server's wording. */
export class TimecodeError extends Error {
  constructor(
    readonly kind: TimecodeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'TimecodeError';
  }
}

// "00" to "99": the label fields, built once (formatting runs for every frame shown).
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

// The server quotes labels with Rust's `{:?}`; JSON quoting reads the same for timecodes.
const quote = (s: string) => JSON.stringify(s);

/** How labels are written at one rate: the rate and whether it is drop-frame. */
export class TimecodeFormat {
  readonly rate: Rate;
  readonly dropFrame: boolean;
  /** Frames in 24 hours of labels (where labels wrap). */
  readonly framesPerDay: number;
  // The nominal rate and the labels skipped at the start of each minute (but each tenth).
  readonly #fps: number;
  readonly #dropped: number;

  /** A format; throws a TimecodeError for drop-frame at any rate but 29.97 and 59.94. */
  constructor(rate: Rate, dropFrame: boolean) {
    if (!Number.isSafeInteger(rate.num) || !Number.isSafeInteger(rate.den) || rate.num <= 0 || rate.den <= 0) {
      throw new RangeError(`${rateText(rate)} is not a frame rate: num and den must be positive integers`);
    }
    const r = reduced(BigInt(rate.num), BigInt(rate.den));
    if (!r) throw new RangeError(`${rateText(rate)} is not a frame rate: num and den must fit 32 bits`);
    if (dropFrame && !isNtscDropRate(r)) {
      throw new TimecodeError(
        'drop-frame-rate',
        `drop-frame timecode exists only at 29.97 (30000/1001) and 59.94 (60000/1001), not at ${rateText(r)}`,
      );
    }
    this.rate = r;
    this.dropFrame = dropFrame;
    this.#fps = nominal(r);
    this.#dropped = dropFrame ? (this.#fps / 30) * 2 : 0;
    // 24 h = 144 ten-minute blocks, each dropping 9 × d labels.
    this.framesPerDay = this.#fps * 86_400 - 144 * 9 * this.#dropped;
  }

  /** The format a source gets by default: drop-frame at 29.97 and 59.94, else non-drop. */
  static defaultFor(rate: Rate): TimecodeFormat {
    return new TimecodeFormat(rate, isNtscDropRate(rate));
  }

  /** The label of frame `frame` (a whole number from 0) counted from label 00:00:00:00. */
  format(frame: number): string {
    if (!Number.isSafeInteger(frame) || frame < 0) throw new RangeError(`${frame} is not a frame number`);
    const f = frame % this.framesPerDay;
    const fps = this.#fps;
    const d = this.#dropped;
    let label = f;
    if (d > 0) {
      const perMin = fps * 60 - d;
      const per10Min = fps * 600 - 9 * d;
      const tens = Math.floor(f / per10Min);
      const rem = f % per10Min;
      // The branch matters: without it the first labels of a ten-minute block go wrong under
      // floor division (as on the server).
      const extra = rem < d ? 0 : d * Math.floor((rem - d) / perMin);
      label = f + 9 * d * tens + extra;
    }
    const ff = label % fps;
    const s = Math.floor(label / fps);
    const sep = this.dropFrame ? ';' : ':';
    const frames = fps > 99 ? String(ff).padStart(3, '0') : TWO_DIGITS[ff];
    return `${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}${sep}${frames}`;
  }

  /**
   * The frame a label names (counted from 00:00:00:00). Accepts `:` or `;` before the frame
   * field when drop-frame, `:` only when not; two or three frame digits. Throws a TimecodeError
   * saying what is wrong.
   */
  parse(label: string): number {
    const s = rustTrim(label);
    const syntax = () =>
      new TimecodeError('syntax', `${quote(s)} is not a timecode; write HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame)`);
    // The server checks bytes of UTF-8; for ASCII (every real label) those are the char codes.
    const utf8 = /[^\x00-\x7f]/.test(s) ? new TextEncoder().encode(s) : null;
    const length = utf8 ? utf8.length : s.length;
    const at = (i: number) => (utf8 ? (utf8[i] ?? 0) : s.charCodeAt(i));
    const [colon, semicolon] = [0x3a, 0x3b];
    if (length < 11 || length > 12 || at(2) !== colon || at(5) !== colon) throw syntax();
    const last = at(8);
    if (last !== colon && last !== semicolon) throw syntax();
    if (last === semicolon && !this.dropFrame) {
      throw new TimecodeError('semicolon-at-non-drop', `${quote(s)} uses ';' (drop-frame) but this timecode is non-drop`);
    }
    const field = (from: number, to: number) => {
      let v = 0;
      for (let i = from; i < to; i++) {
        const digit = at(i) - 0x30;
        if (digit < 0 || digit > 9) throw syntax();
        v = v * 10 + digit;
      }
      return v;
    };
    const [hh, mm, ss, ff] = [field(0, 2), field(3, 5), field(6, 8), field(9, length)];
    if (hh > 23 || mm > 59 || ss > 59) {
      throw new TimecodeError('range', `${quote(s)}: hours run 00–23, minutes and seconds 00–59`);
    }
    const fps = this.#fps;
    if (ff >= fps) {
      throw new TimecodeError('frame-field', `${quote(s)}: the frame field must be below ${fps} at this rate`);
    }
    const d = this.#dropped;
    if (d > 0 && ss === 0 && mm % 10 !== 0 && ff < d) {
      throw new TimecodeError(
        'dropped-label',
        `${quote(s)} does not exist in drop-frame timecode: that label is skipped at the start of the minute`,
      );
    }
    const totalMin = hh * 60 + mm;
    return (hh * 3600 + mm * 60 + ss) * fps + ff - d * (totalMin - Math.floor(totalMin / 10));
  }
}

/** Timecode of a version: a format and the source's start label (frame 0 shows `start`). */
export class Timecode {
  readonly format: TimecodeFormat;
  /** Frames from 00:00:00:00 to the label of frame 0. */
  readonly start: number;

  /** A timecode starting at the label `start` (e.g. the source's `01:00:00;00`); throws if it is not one. */
  constructor(format: TimecodeFormat, start?: string | null) {
    this.format = format;
    this.start = start == null ? 0 : format.parse(start);
  }

  /** The label shown at frame `frame` of the version. */
  label(frame: number): string {
    if (!Number.isSafeInteger(frame) || frame < 0) throw new RangeError(`${frame} is not a frame number`);
    return this.format.format(this.start + frame);
  }

  /** The frame a label names (labels before the start wrap through midnight); throws a TimecodeError. */
  frame(label: string): number {
    const day = this.format.framesPerDay;
    const at = this.format.parse(label);
    return (at + day - (this.start % day)) % day;
  }
}

/**
 * The frame whose display interval contains media time `seconds` (the last frame that started
 * at or before it). The epsilon absorbs float error in `currentTime`; negative or non-finite
 * times are frame 0.
 */
export function frameAt(seconds: number, rate: Rate): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.floor((seconds * rate.num) / rate.den + 1e-6);
}

/** Where to seek to show frame `frame`: the middle of its interval, (N + 0.5) / fps seconds. */
export function seekTime(frame: number, rate: Rate): number {
  return ((frame + 0.5) * rate.den) / rate.num;
}
