import { describe, expect, it } from 'vitest';
import { nextInCycle } from './focus';

describe('nextInCycle', () => {
  const [a, b, c] = ['a', 'b', 'c'].map((id) => Object.assign(document.createElement('button'), { id }));
  const items = [a, b, c];
  it('wraps Tab from the last control to the first', () => expect(nextInCycle(items, c, false)).toBe(a));
  it('wraps Shift+Tab from the first control to the last', () => expect(nextInCycle(items, a, true)).toBe(c));
  it('leaves Tab in the middle to the browser', () => expect(nextInCycle(items, a, false)).toBeNull());
  it('brings focus from outside back in', () => expect(nextInCycle(items, document.body, false)).toBe(a));
  it('leaves Tab from an unlisted control inside the dialog to the browser', () => {
    const summary = document.createElement('summary');
    expect(nextInCycle(items, summary, false, true)).toBeNull();
  });
});
