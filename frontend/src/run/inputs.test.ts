import { describe, expect, it } from 'vitest';
import { coerceInput, inputFields } from './inputs';

const g = (configs: Record<string, unknown>[]) => ({
  schema_version: 1,
  nodes: configs.map((config, i) => ({
    id: `n${i + 1}`,
    kind: 'input',
    label: `In${i + 1}`,
    position: { x: 0, y: 0 },
    config,
  })),
  edges: [],
});

describe('run form fields from input nodes', () => {
  it('reads a fields list, a schema, or a single named input', () => {
    expect(
      inputFields(g([{ fields: ['topic', { name: 'n', type: 'number', required: false }] }])).map((f) => [
        f.name,
        f.type,
        f.required,
      ]),
    ).toEqual([
      ['topic', 'text', true],
      ['n', 'number', false],
    ]);
    expect(inputFields(g([{ schema: { properties: { q: { type: 'string' } }, required: ['q'] } }]))[0]).toMatchObject({
      name: 'q',
      required: true,
    });
    expect(inputFields(g([{ name: 'question' }, {}])).map((f) => f.name)).toEqual(['question', 'In2']);
  });
  it('coerces typed values and reports bad JSON by field', () => {
    expect(coerceInput({ name: 'n', label: 'N', type: 'number', required: true }, '3')).toBe(3);
    expect(coerceInput({ name: 'l', label: 'L', type: 'list', required: true }, '[1]')).toEqual([1]);
    expect(() => coerceInput({ name: 'j', label: 'Data', type: 'json', required: true }, '{')).toThrow(
      'Data: not valid JSON',
    );
  });
});
