import { describe, expect, it } from 'vitest';
import type { Graph, NodeKind } from '../api/types';
import { emptyHistory, record, redo, undo } from './history';
import { createEditorStore } from './store';

const kinds: NodeKind[] = [
  {
    kind: 'input',
    title: 'Input',
    category: 'Data',
    description: '',
    color: '#0a0',
    config_schema: {},
    inputs: [],
    outputs: [{ name: 'out', type: 'text' }],
    dynamic_ports: false,
  },
  {
    kind: 'llm',
    title: 'LLM',
    category: 'AI',
    description: '',
    color: '#00a',
    config_schema: { properties: { prompt: { type: 'string', default: 'Hi' } } },
    inputs: [{ name: 'in', type: 'text' }],
    outputs: [{ name: 'out', type: 'text' }],
    dynamic_ports: false,
  },
  {
    kind: 'map',
    title: 'Map',
    category: 'Flow',
    description: '',
    color: '#a00',
    config_schema: {},
    inputs: [{ name: 'items', type: 'list' }],
    outputs: [{ name: 'out', type: 'list' }],
    dynamic_ports: false,
  },
];

const start: Graph = {
  schema_version: 1,
  nodes: [
    { id: 'n1', kind: 'input', label: 'In', position: { x: 0, y: 0 }, config: {} },
    {
      id: 'n2',
      kind: 'llm',
      label: 'Ask',
      position: { x: 200, y: 0 },
      config: { prompt: 'x' },
      retry: { count: 2, backoff_s: 1 },
      on_error: 'continue',
    },
  ],
  edges: [],
};

function makeStore() {
  const store = createEditorStore(start);
  store.getState().setKinds(kinds);
  return store;
}

describe('history', () => {
  it('undo then redo walks back and forth', () => {
    let h = emptyHistory<number>();
    h = record(h, 1);
    h = record(h, 2);
    const u = undo(h, 3)!;
    expect(u.state).toBe(2);
    const r = redo(u.history, u.state)!;
    expect(r.state).toBe(3);
    expect(undo(emptyHistory<number>(), 0)).toBeNull();
  });
  it('a new record clears the redo stack', () => {
    const u = undo(record(emptyHistory<number>(), 1), 2)!;
    expect(record(u.history, 1).future).toEqual([]);
  });
});

describe('editor store actions', () => {
  it('undoing every edit restores the graph exactly, and redo replays them', () => {
    const store = makeStore();
    const s = () => store.getState();
    const original = s().graph();
    expect(s().connect({ source: 'n1', sourceHandle: 'out', target: 'n2', targetHandle: 'in' }).ok).toBe(true);
    const id = s().addNode('llm', { x: 400, y: 10 });
    s().updateNode(id, { label: 'Second', config: { prompt: 'Tell {{x}}' } });
    s().connect({ source: 'n2', sourceHandle: 'out', target: id, targetHandle: 'in' });
    s().paste({ nodes: s().graph().nodes.slice(0, 2), edges: s().graph().edges.slice(0, 1) });
    s().setPositions({ n1: { x: 5, y: 5 } });
    const final = s().graph();
    expect(final.nodes).toHaveLength(5);
    for (let i = 0; i < 6; i++) s().undo();
    expect(s().graph()).toEqual(original);
    for (let i = 0; i < 6; i++) s().redo();
    expect(s().graph()).toEqual(final);
  });

  it('refuses a mismatched connection and says why, without an undo entry', () => {
    const store = makeStore();
    const id = store.getState().addNode('map', { x: 0, y: 300 });
    const before = store.getState().history.past.length;
    const r = store.getState().connect({ source: 'n1', sourceHandle: 'out', target: id, targetHandle: 'items' });
    expect(r).toEqual({ ok: false, reason: 'text output cannot feed a list input' });
    expect(store.getState().history.past.length).toBe(before);
  });

  it('coalesces rapid typing into one undo step', () => {
    const store = makeStore();
    const s = () => store.getState();
    s().updateNode('n2', { label: 'A' }, 'n2.label');
    s().updateNode('n2', { label: 'AB' }, 'n2.label');
    s().updateNode('n2', { label: 'ABC' }, 'n2.label');
    expect(s().history.past).toHaveLength(1);
    s().undo();
    expect(s().graph()).toEqual(start);
  });

  it('deletes selected nodes with their edges and undo brings both back', () => {
    const store = makeStore();
    const s = () => store.getState();
    s().connect({ source: 'n1', sourceHandle: 'out', target: 'n2', targetHandle: 'in' });
    const withEdge = s().graph();
    store.setState({ nodes: s().nodes.map((n) => (n.id === 'n1' ? { ...n, selected: true } : n)) });
    s().deleteSelection();
    expect(
      s()
        .graph()
        .nodes.map((n) => n.id),
    ).toEqual(['n2']);
    expect(s().graph().edges).toEqual([]);
    s().undo();
    expect(s().graph()).toEqual(withEdge);
  });

  it('duplicates the selection with fresh ids and internal edges', () => {
    const store = makeStore();
    const s = () => store.getState();
    s().connect({ source: 'n1', sourceHandle: 'out', target: 'n2', targetHandle: 'in' });
    s().selectAll();
    s().duplicateSelection();
    const g = s().graph();
    expect(g.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(g.edges[1]).toMatchObject({ source: 'n3', target: 'n4' });
    expect(g.nodes[2].position).toEqual({ x: 40, y: 40 });
  });

  it('indexes save problems by node and edge', () => {
    const store = makeStore();
    store.getState().setProblems([
      { code: 'type_mismatch', message: 'bad', node: 'n2', edge: 'e1' },
      { code: 'cycle', message: 'loop', node: null, edge: null },
    ]);
    expect(store.getState().problems).toEqual({
      nodes: { n2: ['bad'] },
      edges: { e1: ['bad'] },
      fields: {},
      general: ['loop'],
    });
    store.getState().updateNode('n2', { label: 'fixed' });
    expect(store.getState().problems.nodes).toEqual({});
  });
});
