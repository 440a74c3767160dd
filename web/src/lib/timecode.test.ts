import { describe, expect, it } from 'vitest';
import { Timecode, TimecodeError, TimecodeFormat, fps, frameAt, nominal, parseRate, seekTime, type Rate } from './timecode';

// The answers below are the server's (crates/domain/src/timecode.rs tests and `frameproof tc`).

function fmt(rate: string, dropFrame: boolean): TimecodeFormat {
  const r = parseRate(rate);
  if (!r) throw new Error(`bad rate ${rate}`);
  return new TimecodeFormat(r, dropFrame);
}

/** The kind of TimecodeError `f` throws (or 'none'). */
function refusal(f: () => unknown): string {
  try {
    f();
    return 'none';
  } catch (e) {
    return e instanceof TimecodeError ? e.kind : `not a TimecodeError: ${String(e)}`;
  }
}

describe('rates', () => {
  it('parses the forms the server and its CLI accept', () => {
    expect(parseRate('30000/1001')).toEqual({ num: 30000, den: 1001 });
    expect(parseRate('50/2')).toEqual({ num: 25, den: 1 });
    expect(parseRate(' 24 ')).toEqual({ num: 24, den: 1 });
    expect(parseRate('29.97')).toEqual({ num: 30000, den: 1001 });
    expect(parseRate('23.976')).toEqual({ num: 24000, den: 1001 });
    expect(parseRate('23.98')).toEqual({ num: 24000, den: 1001 });
    expect(parseRate('59.94')).toEqual({ num: 60000, den: 1001 });
    expect(parseRate('119.88')).toEqual({ num: 120000, den: 1001 });
    expect(parseRate('+25')).toEqual({ num: 25, den: 1 });
    for (const bad of ['0/0', '25/0', '0', 'x/1', '', '25.5', '-25', '1/2/3', '4294967296', '99999999999999999999']) {
      expect(parseRate(bad), bad).toBeNull();
    }
    // Reduced before the 32-bit check, as on the server.
    expect(parseRate('8589934592/2')).toBeNull();
    expect(parseRate('8589934590/2')).toEqual({ num: 4294967295, den: 1 });
  });

  it('rounds the nominal rate up', () => {
    const n = (s: string) => nominal(parseRate(s) as Rate);
    expect(n('30000/1001')).toBe(30);
    expect(n('24000/1001')).toBe(24);
    expect(n('120000/1001')).toBe(120);
    expect(n('25')).toBe(25);
    expect(fps({ num: 30000, den: 1001 })).toBeCloseTo(29.97003, 5);
  });
});

describe('drop-frame', () => {
  it('labels the edges of minutes at 29.97', () => {
    const f = fmt('30000/1001', true);
    const pairs: [number, string][] = [
      [0, '00:00:00;00'],
      [1798, '00:00:59;28'],
      [1799, '00:00:59;29'],
      [1800, '00:01:00;02'],
      [17981, '00:09:59;29'],
      [17982, '00:10:00;00'],
      [17983, '00:10:00;01'],
      [107_892, '01:00:00;00'],
      [107_957, '01:00:02;05'],
      [1_084_316, '10:03:00;02'],
      [1_084_319, '10:03:00;05'],
      [2_589_407, '23:59:59;29'],
    ];
    for (const [frame, label] of pairs) {
      expect(f.format(frame), `frame ${frame}`).toBe(label);
      expect(f.parse(label), label).toBe(frame);
    }
  });

  it('labels the edges of minutes at 59.94', () => {
    const f = fmt('60000/1001', true);
    const pairs: [number, string][] = [
      [3598, '00:00:59;58'],
      [3599, '00:00:59;59'],
      [3596, '00:00:59;56'],
      [3600, '00:01:00;04'],
      [35963, '00:09:59;59'],
      [35964, '00:10:00;00'],
      [215_784, '01:00:00;00'],
    ];
    for (const [frame, label] of pairs) {
      expect(f.format(frame), `frame ${frame}`).toBe(label);
      expect(f.parse(label), label).toBe(frame);
    }
  });

  it('exists only at 29.97 and 59.94', () => {
    expect(refusal(() => fmt('25', true))).toBe('drop-frame-rate');
    expect(refusal(() => fmt('30', true))).toBe('drop-frame-rate');
    expect(refusal(() => fmt('120000/1001', true))).toBe('drop-frame-rate');
    expect(refusal(() => fmt('24000/1001', true))).toBe('drop-frame-rate');
    expect(() => fmt('25', true)).toThrow('drop-frame timecode exists only at 29.97 (30000/1001) and 59.94 (60000/1001), not at 25/1');
    expect(TimecodeFormat.defaultFor({ num: 30000, den: 1001 }).dropFrame).toBe(true);
    expect(TimecodeFormat.defaultFor({ num: 25, den: 1 }).dropFrame).toBe(false);
  });

  // Every frame of two hours: labels are strictly increasing and parse back to their frame.
  it('round-trips every frame of two hours at 29.97 and 59.94', () => {
    for (const rate of ['30000/1001', '60000/1001']) {
      const f = fmt(rate, true);
      const twoHours = (2 * f.framesPerDay) / 24;
      let previous = '';
      let bad = 0;
      for (let frame = 0; frame < twoHours; frame++) {
        const label = f.format(frame);
        if (f.parse(label) !== frame || !(label > previous)) bad++;
        previous = label;
      }
      expect(bad, rate).toBe(0);
      expect(previous).toBe(rate === '30000/1001' ? '01:59:59;29' : '01:59:59;59');
    }
  });
});

describe('non-drop', () => {
  it('matches the known answers', () => {
    const ndf = fmt('30000/1001', false);
    expect(ndf.format(107_957)).toBe('00:59:58:17');
    expect(ndf.format(1_084_319)).toBe('10:02:23:29');
    expect(ndf.parse('01:00:00:00')).toBe(108_000);
    expect(fmt('24000/1001', false).format(86_400)).toBe('01:00:00:00');
    expect(fmt('24', false).format(86_399)).toBe('00:59:59:23');
    expect(fmt('25', false).format(90_000)).toBe('01:00:00:00');
    expect(fmt('50', false).parse('00:00:01:49')).toBe(99);
    expect(fmt('60000/1001', false).format(216_000)).toBe('01:00:00:00');
  });

  it('writes three frame digits above 99 fps and reads either padding', () => {
    const hfr = fmt('119.88', false);
    expect(hfr.format(120)).toBe('00:00:01:000');
    expect(hfr.format(119)).toBe('00:00:00:119');
    expect(hfr.parse('00:00:01:000')).toBe(120);
    expect(hfr.parse('00:00:01:05')).toBe(125);
    expect(fmt('25', false).parse('00:00:01:005')).toBe(30);
  });

  it('wraps at 24 hours like a clock', () => {
    const f = fmt('25', false);
    expect(f.framesPerDay).toBe(2_160_000);
    expect(f.format(2_160_000)).toBe('00:00:00:00');
    expect(f.format(2_160_001)).toBe('00:00:00:01');
    expect(fmt('30000/1001', true).framesPerDay).toBe(2_589_408);
    expect(fmt('60000/1001', true).framesPerDay).toBe(5_178_816);
  });
});

describe('parsing', () => {
  it('refuses what timecode forbids', () => {
    const df = fmt('30000/1001', true);
    expect(refusal(() => df.parse('00:01:00;00'))).toBe('dropped-label');
    expect(() => df.parse('00:01:00;00')).toThrow(
      '"00:01:00;00" does not exist in drop-frame timecode: that label is skipped at the start of the minute',
    );
    expect(refusal(() => df.parse('00:01:00;01'))).toBe('dropped-label');
    expect(df.parse('00:01:00:02')).toBe(1800); // ':' is accepted before the frame field at DF
    expect(df.parse('00:10:00;00')).toBe(17982); // each tenth minute keeps ;00
    expect(refusal(() => fmt('60000/1001', true).parse('00:02:00;03'))).toBe('dropped-label');
    expect(refusal(() => fmt('30', false).parse('00:00:00:30'))).toBe('frame-field');
    expect(() => fmt('30', false).parse('00:00:00:30')).toThrow('the frame field must be below 30 at this rate');
    expect(refusal(() => fmt('25', false).parse('00:00:00;00'))).toBe('semicolon-at-non-drop');
    expect(refusal(() => fmt('25', false).parse('00:00:00;10'))).toBe('semicolon-at-non-drop');
    for (const bad of ['', '1:00:00:00', '00:00:00', 'aa:00:00:00', '00-00-00-00', '00:00:00:0', '00:00:00:0000', '00:00:00:1é', '０0:00:00:00']) {
      expect(refusal(() => fmt('25', false).parse(bad)), bad).toBe('syntax');
    }
    expect(refusal(() => fmt('25', false).parse('24:00:00:00'))).toBe('range');
    expect(refusal(() => fmt('25', false).parse('00:60:00:00'))).toBe('range');
    expect(refusal(() => fmt('25', false).parse('00:00:60:00'))).toBe('range');
    expect(fmt('25', false).parse('  01:00:00:00\n')).toBe(90_000);
  });
});

describe('Timecode', () => {
  it('offsets by the start label both ways', () => {
    const tc = new Timecode(fmt('30000/1001', true), '01:00:00;00');
    expect(tc.label(0)).toBe('01:00:00;00');
    expect(tc.label(30)).toBe('01:00:01;00');
    expect(tc.frame('01:00:01;00')).toBe(30);
    expect(tc.label(1800)).toBe('01:01:00;02');
    expect(tc.frame('01:01:00;02')).toBe(1800);
    expect(tc.frame('01:00:00;00')).toBe(0);
  });

  it('wraps through midnight', () => {
    const late = new Timecode(fmt('25', false), '23:59:59:24');
    expect(late.label(1)).toBe('00:00:00:00');
    expect(late.frame('00:00:00:00')).toBe(1);
    // A label before the start is a frame late in the (next) day.
    const hour = new Timecode(fmt('25', false), '01:00:00:00');
    expect(hour.frame('00:59:59:24')).toBe(2_160_000 - 1);
  });

  it('starts at 00:00:00:00 without a start label and refuses a bad one', () => {
    expect(new Timecode(fmt('25', false)).label(25)).toBe('00:00:01:00');
    expect(new Timecode(fmt('25', false), null).start).toBe(0);
    expect(refusal(() => new Timecode(fmt('30000/1001', true), '00:01:00;00'))).toBe('dropped-label');
  });
});

describe('media time', () => {
  const ntsc = { num: 30000, den: 1001 };

  it('finds the frame showing at a time', () => {
    expect(frameAt(0, ntsc)).toBe(0);
    expect(frameAt(1.001, ntsc)).toBe(30); // the exact start of frame 30
    expect(frameAt(1.0009, ntsc)).toBe(29);
    expect(frameAt(10.01, ntsc)).toBe(300);
    expect(frameAt(3600, { num: 25, den: 1 })).toBe(90_000);
    expect(frameAt(-1, ntsc)).toBe(0);
    expect(frameAt(Number.NaN, ntsc)).toBe(0);
  });

  it('seeks to the middle of a frame, which reads back as that frame', () => {
    expect(seekTime(0, { num: 25, den: 1 })).toBe(0.02);
    expect(seekTime(29, ntsc)).toBeCloseTo(29.5 * 1001 / 30000, 12);
    for (const rate of [ntsc, { num: 24000, den: 1001 }, { num: 60000, den: 1001 }, { num: 25, den: 1 }]) {
      for (const n of [0, 1, 29, 30, 17982, 107_892, 2_589_407]) {
        expect(frameAt(seekTime(n, rate), rate), `${n} at ${rate.num}/${rate.den}`).toBe(n);
      }
    }
  });
});
