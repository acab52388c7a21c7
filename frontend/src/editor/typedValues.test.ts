import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../api/types';
import { argumentFields, argumentProblems, asMessages, isExpression, parseLoose, showLoose } from './typedValues';

const knowledge: JsonSchema & { additionalProperties: boolean } = {
  type: 'object',
  properties: {
    collection: { type: 'string' },
    query: { type: 'string', minLength: 1 } as JsonSchema,
    k: { type: 'integer', minimum: 1, maximum: 50 },
    mode: { type: 'string', enum: ['fast', 'exact'] },
    tags: { type: 'array', items: { type: 'string' } },
    headers: { type: 'object', additionalProperties: { type: 'string' } } as JsonSchema,
    extra: {},
  },
  required: ['query'],
  additionalProperties: false,
};

describe("a tool's arguments from its schema", () => {
  it('lists required fields first, each typed by its schema', () => {
    const fields = argumentFields(knowledge);
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['query', 'string', true],
      ['collection', 'string', false],
      ['k', 'integer', false],
      ['mode', 'string', false],
      ['tags', 'strings', false],
      ['headers', 'stringMap', false],
      ['extra', 'any', false],
    ]);
    expect(fields.find((f) => f.name === 'mode')!.options).toEqual(['fast', 'exact']);
  });

  it('names each wrong argument under its field, and accepts an expression anywhere', () => {
    const problems = argumentProblems(knowledge, { k: 0, mode: 'slow', nope: 1 });
    expect(Object.keys(problems).sort()).toEqual(['k', 'mode', 'nope', 'query']);
    expect(problems.k).toBe('K must be at least 1.');
    expect(problems.query).toMatch(/^Query is required/);
    expect(argumentProblems(knowledge, { query: '{{in}}', k: '{{in.k}}' })).toEqual({});
    expect(argumentProblems(knowledge, { query: 'q', k: 2.5 }).k).toBe('K must be a whole number.');
  });

  it('tells an expression from plain text', () => {
    expect(isExpression('{{ in.key }}')).toBe(true);
    expect(isExpression('{ not one }')).toBe(false);
    expect(isExpression(3)).toBe(false);
  });
});

describe('free values and messages', () => {
  it('reads JSON when the text is JSON, else keeps the text', () => {
    expect(parseLoose('42')).toBe(42);
    expect(parseLoose('[1, "a"]')).toEqual([1, 'a']);
    expect(parseLoose('"42"')).toBe('42');
    expect(parseLoose('hello world')).toBe('hello world');
    expect(parseLoose('  ')).toBeUndefined();
    expect(showLoose({ a: 1 })).toBe('{"a":1}');
    expect(showLoose('plain')).toBe('plain');
  });

  it('reads chat messages as role and text rows', () => {
    expect(asMessages([{ role: 'system', content: 'Be brief' }, { content: 3 }, 'junk'])).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: '3' },
    ]);
    expect(asMessages('nope')).toEqual([]);
  });
});
