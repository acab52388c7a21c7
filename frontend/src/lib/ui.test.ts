import { describe, expect, it } from 'vitest';
import { fmtCost, fmtMs } from './ui';

describe('formatting', () => {
  it('formats durations without ever printing 60 seconds', () => {
    expect(fmtMs(null)).toBe('—');
    expect(fmtMs(250)).toBe('250 ms');
    expect(fmtMs(1500)).toBe('1.5 s');
    expect(fmtMs(299_700)).toBe('5m 0s');
    expect(fmtMs(61_000)).toBe('1m 1s');
  });
  it('formats cost in dollars', () => {
    expect(fmtCost(0.01234)).toBe('$0.0123');
    expect(fmtCost(undefined)).toBe('$0.0000');
  });
});
