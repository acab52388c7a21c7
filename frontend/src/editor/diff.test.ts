import { describe, expect, it } from 'vitest';
import type { Graph } from '../api/types';
import { diffGraphs, diffIsEmpty } from './diff';

const base: Graph = {
  schema_version: 1,
  nodes: [
    { id: 'n1', kind: 'input', label: 'In', position: { x: 0, y: 0 }, config: {} },
    { id: 'n2', kind: 'llm', label: 'Ask', position: { x: 200, y: 0 }, config: { prompt: 'a' } },
  ],
  edges: [{ id: 'e1', source: 'n1', source_port: 'out', target: 'n2', target_port: 'in' }],
};

describe('graph diff', () => {
  it('finds nothing between equal graphs, even when nodes moved', () => {
    const moved = structuredClone(base);
    moved.nodes[0].position = { x: 99, y: 99 };
    expect(diffIsEmpty(diffGraphs(base, moved))).toBe(true);
  });
  it('reports added, removed and changed nodes and edges', () => {
    const next = structuredClone(base);
    next.nodes[1].config = { prompt: 'b' };
    next.nodes[1].label = 'Ask more';
    next.nodes.push({ id: 'n3', kind: 'output', label: 'Out', position: { x: 0, y: 0 }, config: {} });
    next.nodes.shift();
    next.edges = [{ id: 'e2', source: 'n2', source_port: 'out', target: 'n3', target_port: 'in' }];
    const d = diffGraphs(base, next);
    expect(d.nodesAdded.map((n) => n.id)).toEqual(['n3']);
    expect(d.nodesRemoved.map((n) => n.id)).toEqual(['n1']);
    expect(d.nodesChanged).toEqual([{ id: 'n2', label: 'Ask more', fields: ['label', 'config'] }]);
    expect(d.edgesAdded.map((e) => e.id)).toEqual(['e2']);
    expect(d.edgesRemoved.map((e) => e.id)).toEqual(['e1']);
  });
  it('ignores key order inside config', () => {
    const a = structuredClone(base);
    const b = structuredClone(base);
    a.nodes[1].config = { x: 1, y: 2 };
    b.nodes[1].config = { y: 2, x: 1 };
    expect(diffIsEmpty(diffGraphs(a, b))).toBe(true);
  });
});
