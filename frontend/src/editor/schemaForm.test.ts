import { describe, expect, it } from 'vitest';
import { defaultConfig, fieldsFromSchema, isMulti, newItem, promptVariables, resolveSchema, shown } from './schemaForm';

describe('schema to form fields', () => {
  const schema = {
    type: 'object',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string', format: 'prompt' },
      agent: { type: 'string', format: 'agent' },
      model: { type: ['string', 'null'], format: 'model' },
      tools: { type: 'array', items: { type: 'string', format: 'tool' } },
      subflow: { type: 'string', format: 'workflow' },
      condition: { type: 'string', format: 'expression' },
      name: { type: 'string', title: 'Display name' },
      temperature: { type: 'number', default: 0.7 },
      max_iterations: { type: 'integer', default: 3 },
      stream: { type: 'boolean' },
      policy: { type: 'string', enum: ['all', 'any', 'quorum'] },
      tags: { type: 'array', items: { type: 'string' } },
      extra: { type: 'object' },
    },
  };
  const fields = fieldsFromSchema(schema);
  const widget = (n: string) => fields.find((f) => f.name === n)?.widget;

  it('maps each schema type onto its widget', () => {
    expect(fields.map((f) => [f.name, f.widget])).toEqual([
      ['prompt', 'prompt'],
      ['agent', 'agent'],
      ['model', 'model'],
      ['tools', 'tool'],
      ['subflow', 'workflow'],
      ['condition', 'expression'],
      ['name', 'text'],
      ['temperature', 'number'],
      ['max_iterations', 'integer'],
      ['stream', 'checkbox'],
      ['policy', 'select'],
      ['tags', 'list'],
      ['extra', 'json'],
    ]);
  });
  it('carries required flags, titles, enum options', () => {
    expect(fields[0].required).toBe(true);
    expect(fields.find((f) => f.name === 'name')?.label).toBe('Display name');
    expect(fields.find((f) => f.name === 'max_iterations')?.label).toBe('Max iterations');
    expect(fields.find((f) => f.name === 'policy')?.options).toEqual(['all', 'any', 'quorum']);
    expect(widget('agent')).toBe('agent');
  });
  it('builds a default config from schema defaults', () => {
    expect(defaultConfig(schema)).toEqual({ temperature: 0.7, max_iterations: 3 });
  });
  it('lists prompt variables once, in order', () => {
    expect(promptVariables('Hi {{ name }}, {{topic}} and {{name}} {{user.id}}')).toEqual(['name', 'topic', 'user.id']);
  });
});

describe('pydantic schemas', () => {
  const llm = {
    type: 'object',
    required: ['model'],
    $defs: { Route: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    properties: {
      model: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null, format: 'model', title: 'Model' },
      temperature: {
        anyOf: [{ maximum: 2, minimum: 0, type: 'number' }, { type: 'null' }],
        default: null,
        title: 'Temperature',
      },
      max_tokens: { anyOf: [{ type: 'integer' }, { type: 'null' }], default: null, title: 'Max Tokens' },
      routes: { type: 'array', items: { $ref: '#/$defs/Route' } },
      tools: { type: 'array', items: { type: 'string', format: 'tool' } },
    },
  };
  it('reads optional (anyOf null) fields and $ref items', () => {
    expect(fieldsFromSchema(llm).map((f) => [f.name, f.widget, f.label])).toEqual([
      ['model', 'model', 'Model'],
      ['temperature', 'number', 'Temperature'],
      ['max_tokens', 'integer', 'Max Tokens'],
      ['routes', 'objects', 'Routes'],
      ['tools', 'tool', 'Tools'],
    ]);
    expect(resolveSchema(llm.properties.routes, llm).items?.required).toEqual(['name']);
    expect(isMulti(llm.properties.tools, llm)).toBe(true);
    expect(isMulti(llm.properties.model, llm)).toBe(false);
  });
  it('edits an array of objects as sub-forms built from the item schema', () => {
    const router = {
      type: 'object',
      $defs: {
        Route: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            expression: { type: 'string', format: 'expression', default: '' },
            agent: { anyOf: [{ type: 'string', format: 'agent' }, { type: 'null' }], default: null },
          },
        },
      },
      properties: {
        routes: { type: 'array', items: { $ref: '#/$defs/Route' } },
        extra: { type: 'array', items: { type: 'object' } },
      },
    };
    const [routes, extra] = fieldsFromSchema(router);
    expect(routes.itemFields?.map((f) => [f.name, f.widget, f.required])).toEqual([
      ['name', 'text', true],
      ['expression', 'expression', false],
      ['agent', 'agent', false],
    ]);
    expect(extra.widget).toBe('json'); // objects without declared properties stay raw JSON
    const first = newItem(routes.itemFields ?? [], [], 'routes');
    expect(first).toEqual({ name: 'route1', expression: '' });
    expect(newItem(routes.itemFields ?? [], [first, { name: 'route3' }], 'routes').name).toBe('route4'); // never reuses a taken name
    expect(newItem(routes.itemFields ?? [], [{ name: 'route2' }, { name: 'x' }], 'routes').name).toBe('route3');
  });
  it('shows a field only in the modes its x-when names, using the schema default when unset', () => {
    const router = {
      type: 'object',
      properties: {
        mode: { type: 'string', enum: ['rule', 'llm'], default: 'rule' },
        model: { type: 'string', format: 'model', 'x-when': { mode: 'llm' } },
        label: { type: 'string' },
      },
    };
    const [mode, model, label] = fieldsFromSchema(router);
    const defaults = defaultConfig(router);
    expect(model.when).toEqual({ mode: 'llm' });
    expect(shown(model, {}, defaults)).toBe(false);
    expect(shown(model, { mode: 'llm' }, defaults)).toBe(true);
    expect(shown(mode, {}, defaults) && shown(label, { mode: 'llm' }, defaults)).toBe(true);
  });
});
