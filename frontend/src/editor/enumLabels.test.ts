import { describe, expect, it } from 'vitest';
import { optionLabel } from './enumLabels';

describe('optionLabel', () => {
  it('says what a router mode does instead of showing its raw value', () => {
    expect(optionLabel('mode', 'llm')).toBe('LLM classifier (a model picks the route)');
  });
  it('falls back to a readable form of any other value', () => {
    expect(optionLabel('type', 'snake_case')).toBe('Snake case');
  });
});
