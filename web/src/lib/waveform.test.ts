import { describe, expect, it } from 'vitest';
import { peakAt, type Peaks } from './waveform';

describe('peakAt', () => {
  const peaks: Peaks = [[-0.1, 0.1], [-0.5, 0.5], [-1, 1], [0, 0]];
  it('spreads the peaks evenly over the columns', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((x) => peakAt(peaks, x, 8)[1])).toEqual([0.1, 0.1, 0.5, 0.5, 1, 1, 0, 0]);
  });
  it('samples when there are more peaks than columns, and never reads past the end', () => {
    expect(peakAt(peaks, 1, 2)).toEqual([-1, 1]);
    expect(peakAt(peaks, 10, 2)).toEqual([0, 0]);
    expect(peakAt([], 0, 10)).toEqual([0, 0]);
  });
});
