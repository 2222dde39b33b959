import { describe, expect, it } from 'vitest';
import { ConnectLimiter } from './connect-limiter.ts';

describe('ConnectLimiter', () => {
  it('hands out evenly spaced slots, offset per worker so workers interleave', () => {
    const w0 = new ConnectLimiter(100, { index: 0, count: 2 }, 1000);
    const w1 = new ConnectLimiter(100, { index: 1, count: 2 }, 1000);
    const slots = [w0.reserve(0), w1.reserve(0), w0.reserve(0), w1.reserve(0), w0.reserve(0)];
    expect(slots).toEqual([1000, 1010, 1020, 1030, 1040]);
  });

  it('does not bank slots while idle: a late caller gets now, then the spacing resumes', () => {
    const l = new ConnectLimiter(10, { index: 0, count: 1 }, 0);
    expect(l.reserve(0)).toBe(0);
    expect(l.reserve(5000)).toBe(5000);
    expect(l.reserve(5000)).toBe(5100);
  });
});
