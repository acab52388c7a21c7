import { describe, expect, it } from 'vitest';
import { readValue, showValue } from './MemoryPanel';

describe('memory values in the side panel', () => {
  it('shows strings as they are and anything else as JSON', () => {
    expect(showValue('Ada')).toBe('Ada');
    expect(showValue({ likes: ['tea'] })).toBe('{\n  "likes": [\n    "tea"\n  ]\n}');
    expect(showValue(3)).toBe('3');
  });

  it('reads typed JSON back as JSON and any other text as a string', () => {
    expect(readValue('{"a": 1}')).toEqual({ a: 1 });
    expect(readValue('42')).toBe(42);
    expect(readValue('likes tea')).toBe('likes tea');
    expect(readValue(showValue({ x: [1] }))).toEqual({ x: [1] });
  });
});
