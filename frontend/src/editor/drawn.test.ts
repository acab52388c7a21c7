import { describe, expect, it } from 'vitest';
import type { NodeKind } from '../api/types';
import { DRAWN_BELOW_ZOOM, DRAWN_MIN_NODES, drawnGraph, drawnNodeAt, showDrawn, zoomStep } from './drawn';
import { toFlowNode, type FlowEdge } from './graph';

const kind = (k: string, color: string): NodeKind => ({
  kind: k,
  title: k,
  category: 'AI',
  description: '',
  color,
  config_schema: {},
  inputs: [{ name: 'in', type: 'text' }],
  outputs: [{ name: 'out', type: 'text' }],
  dynamic_ports: false,
});
const kinds = new Map([
  ['agent', kind('agent', '#4f46e5')],
  ['join', kind('join', '#16a34a')],
]);
const node = (id: string, k: string, x: number, y: number) =>
  toFlowNode({ id, kind: k, label: id, position: { x, y }, config: {} });

describe('when the canvas draws the graph instead of mounting its nodes', () => {
  const large = DRAWN_MIN_NODES;

  it('draws a large graph seen from far, and mounts real nodes once zoomed in', () => {
    expect(showDrawn(large, 0.1, false)).toBe(true);
    expect(showDrawn(large, DRAWN_BELOW_ZOOM - 0.01, false)).toBe(true);
    expect(showDrawn(large, DRAWN_BELOW_ZOOM, false)).toBe(false);
    expect(showDrawn(large, 1, false)).toBe(false);
  });

  it('draws a large graph before its first fit, when the zoom it will be shown at is not known', () => {
    expect(showDrawn(large, 1, true)).toBe(true);
  });

  it('always mounts the nodes of a small graph, at any zoom', () => {
    expect(showDrawn(large - 1, 0.1, false)).toBe(false);
    expect(showDrawn(large - 1, 0.1, true)).toBe(false);
  });

  it('always mounts the nodes of a run view, whose nodes show the run', () => {
    expect(showDrawn(large * 5, 0.1, false, true)).toBe(false);
  });
});

describe('the drawn layer', () => {
  it('follows the zoom in steps of √2, so lines are redrawn a few times over the zoom range', () => {
    expect(zoomStep(1)).toBe(1);
    expect(zoomStep(0.1)).toBeCloseTo(2 ** -3.5);
    expect(zoomStep(0.105)).toBe(zoomStep(0.1));
    expect(zoomStep(0)).toBe(1);
  });

  it('draws each node as a card at its place and size, with a head in its kind colour', () => {
    const g = drawnGraph([node('a', 'agent', 0, 0), node('b', 'join', 300, 40)], [], kinds);
    // agent and join here: border 1 + head 30 + ports 4 + one row 20 + 4 + border 1
    expect(g.nodes).toEqual([
      { id: 'a', x: 0, y: 0, width: 210, height: 60 },
      { id: 'b', x: 300, y: 40, width: 210, height: 60 },
    ]);
    expect(g.cards).toBe('M0 0h210v60h-210zM300 40h210v60h-210z');
    expect([...g.heads.keys()]).toEqual(['#4f46e5', '#16a34a']);
    expect(g.heads.get('#16a34a')).toBe('M300 40h210v30h-210z');
  });

  it('draws edges from the source handle to the target handle, grouped by colour', () => {
    const edges: FlowEdge[] = [
      { id: 'e1', source: 'a', sourceHandle: 'out', target: 'b', targetHandle: 'in', style: { stroke: '#111' } },
      { id: 'e2', source: 'a', sourceHandle: 'out', target: 'gone', targetHandle: 'in', style: { stroke: '#111' } },
      { id: 'e3', source: 'b', sourceHandle: 'out', target: 'a', targetHandle: 'in', className: 'problem' },
    ];
    const g = drawnGraph([node('a', 'agent', 0, 0), node('b', 'join', 300, 40)], edges, kinds);
    // As React Flow draws it: from the outer side of a's out handle (x 204 + 10, y 31 + 4 + 5 + 5)
    // to the outer side of b's in handle (x 300 - 4, y 40 + 45).
    expect(g.edges.get('#111')).toMatch(/^M214,45 C.* 296,85$/);
    expect(g.edges.get('problem')).toBeDefined();
    expect(g.edges.size).toBe(2); // the edge to a missing node is left out
  });

  it('outlines selected nodes and nodes with problems', () => {
    const a = { ...node('a', 'agent', 0, 0), selected: true };
    const g = drawnGraph([a, node('b', 'join', 300, 40)], [], kinds, { b: ['no input'] });
    expect(g.selected).toBe('M0 0h210v60h-210z');
    expect(g.problems).toBe('M300 40h210v60h-210z');
  });

  it('finds the topmost node under a point, and none on the empty canvas', () => {
    const g = drawnGraph([node('a', 'agent', 0, 0), node('b', 'join', 100, 20)], [], kinds);
    expect(drawnNodeAt(g.nodes, 150, 30)?.id).toBe('b');
    expect(drawnNodeAt(g.nodes, 50, 30)?.id).toBe('a');
    expect(drawnNodeAt(g.nodes, 50, 500)).toBeNull();
  });
});
