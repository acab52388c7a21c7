import { describe, expect, it } from 'vitest';
import type { Graph, NodeKind } from '../api/types';
import { bodyFields, runPrefix, seedBody } from './bodies';
import { indexProblems, relativeField } from './problems';
import { createEditorStore } from './store';

const GRAPH_DEF = {
  type: 'object',
  properties: { nodes: { type: 'array' }, edges: { type: 'array' } },
};

function kind(k: string, extra: Partial<NodeKind> = {}): NodeKind {
  return {
    kind: k,
    title: k,
    category: 'Flow',
    description: '',
    color: '#000',
    config_schema: {},
    inputs: [{ name: 'in', type: 'any' }],
    outputs: [{ name: 'out', type: 'any' }],
    dynamic_ports: false,
    ...extra,
  };
}

const kinds: NodeKind[] = [
  kind('input', { inputs: [] }),
  kind('output', { outputs: [] }),
  kind('llm', { inputs: [{ name: 'in', type: 'text' }], outputs: [{ name: 'out', type: 'text' }] }),
  kind('loop', {
    config_schema: {
      $defs: { Graph: GRAPH_DEF },
      properties: { body: { $ref: '#/$defs/Graph' }, max_iterations: { type: 'integer' } },
    },
  }),
];

const start: Graph = {
  schema_version: 1,
  nodes: [
    { id: 'n1', kind: 'input', label: 'In', position: { x: 0, y: 0 }, config: {} },
    { id: 'n2', kind: 'loop', label: 'Refine', position: { x: 200, y: 0 }, config: { body: seedBody('loop') } },
  ],
  edges: [{ id: 'e1', source: 'n1', source_port: 'out', target: 'n2', target_port: 'in' }],
};

function makeStore() {
  const store = createEditorStore(start);
  store.getState().setKinds(kinds);
  return store;
}

const bodyOf = (g: Graph, id = 'n2') => g.nodes.find((n) => n.id === id)!.config.body as Graph;

describe('bodies on the canvas', () => {
  it('finds the body fields of a kind from its schema', () => {
    expect(bodyFields(kinds[3])).toEqual(['body']);
    expect(bodyFields(kinds[2])).toEqual([]);
  });

  it('a new loop node gets a body that wires its state input to its state output', () => {
    const store = makeStore();
    const id = store.getState().addNode('loop', { x: 0, y: 300 });
    const body = bodyOf(store.getState().graph(), id);
    expect(body.nodes.map((n) => [n.kind, n.config.name])).toEqual([
      ['input', 'state'],
      ['output', 'state'],
    ]);
    expect(body.edges).toHaveLength(1);
  });

  it('opening a body shows its nodes, and edits there land in the container config', () => {
    const store = makeStore();
    expect(store.getState().openBody('n2')).toBe(true);
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(store.getState().frames.map((f) => f.label)).toEqual(['Refine']);
    const added = store.getState().addNode('llm', { x: 100, y: 100 });
    expect(added).toBe('n3');
    const body = bodyOf(store.getState().graph());
    expect(body.nodes.map((n) => n.kind)).toEqual(['input', 'output', 'llm']);
    store.getState().closeBodies(0);
    expect(store.getState().frames).toEqual([]);
    expect(store.getState().nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(bodyOf(store.getState().graph()).nodes).toHaveLength(3);
  });

  it('undo inside a body, then after leaving it, restores the whole document and its level', () => {
    const store = makeStore();
    store.getState().updateNode('n2', { label: 'Polish' });
    store.getState().openBody('n2');
    store.getState().addNode('llm', { x: 100, y: 100 });
    store.getState().closeBodies(0);
    store.getState().undo(); // the node added in the body: the view goes back into it
    expect(store.getState().frames.map((f) => f.node)).toEqual(['n2']);
    expect(store.getState().nodes).toHaveLength(2);
    store.getState().undo(); // the label edited on the workflow level
    expect(store.getState().frames).toEqual([]);
    expect(store.getState().nodes.find((n) => n.id === 'n2')!.data.label).toBe('Refine');
    store.getState().redo();
    store.getState().redo();
    expect(bodyOf(store.getState().graph()).nodes).toHaveLength(3);
  });

  it('nested bodies fold back into the outermost container', () => {
    const store = makeStore();
    store.getState().openBody('n2');
    const inner = store.getState().addNode('loop', { x: 0, y: 200 });
    store.getState().openBody(inner);
    store.getState().addNode('llm', { x: 0, y: 0 });
    expect(store.getState().frames).toHaveLength(2);
    const outer = bodyOf(store.getState().graph());
    const nested = outer.nodes.find((n) => n.id === inner)!.config.body as Graph;
    expect(nested.nodes.map((n) => n.kind)).toEqual(['input', 'output', 'llm']);
    store.getState().closeBodies(1);
    expect(store.getState().frames).toHaveLength(1);
  });

  it('copy in one body and paste in another keeps the nodes and their edge', () => {
    const store = makeStore();
    store.getState().openBody('n2');
    store.getState().selectAll();
    const copied = store.getState().selected();
    store.getState().closeBodies(0);
    store.getState().paste(copied);
    expect(store.getState().nodes).toHaveLength(4);
    expect(store.getState().edges).toHaveLength(2);
  });

  it('names run events of the shown iteration with the engine prefix', () => {
    const store = makeStore();
    store.getState().openBody('n2', 'body', 2);
    expect(runPrefix(store.getState().frames)).toBe('n2[2].');
  });
});

describe('problems inside bodies', () => {
  const problems = [
    { code: 'x', message: 'in body', node: 'n2', field: 'config.body.config.prompt', path: ['n2', 'n3'] },
    { code: 'y', message: 'no output', node: 'n2', field: 'config.body' },
    { code: 'z', message: 'top', node: 'n1', field: 'config.name' },
  ];

  it('marks the container on the workflow level', () => {
    const idx = indexProblems(problems);
    expect(idx.nodes).toEqual({ n2: ['in body', 'no output'], n1: ['top'] });
    expect(idx.fields).toEqual({ n1: { name: ['top'] }, n2: { body: ['no output'] } });
  });

  it('marks the node at fault and its field inside the body, the container problems as general', () => {
    const idx = indexProblems(problems, ['n2']);
    expect(idx.nodes).toEqual({ n3: ['in body'] });
    expect(idx.fields).toEqual({ n3: { prompt: ['in body'] } });
    expect(idx.general).toEqual(['no output']);
  });

  it('reads a field relative to the body depth', () => {
    expect(relativeField('config.body.config.body.config.prompt', 2)).toBe('prompt');
    expect(relativeField('label', 0)).toBeNull();
  });

  it('shows the problems of a body once the store opens it', () => {
    const store = makeStore();
    store.getState().setProblems(problems);
    store.getState().openBody('n2');
    expect(store.getState().problems.nodes).toEqual({ n3: ['in body'] });
    store.getState().closeBodies(0);
    expect(Object.keys(store.getState().problems.nodes).sort()).toEqual(['n1', 'n2']);
  });
});
