import { describe, expect, it } from 'vitest';
import type { Graph } from '../api/types';
import { normalizeGraph, parseClipboard, remapForPaste, toFlow, toGraph } from './graph';

const g: Graph = {
  schema_version: 1,
  nodes: [
    {
      id: 'n1',
      kind: 'agent',
      label: 'A',
      position: { x: 1, y: 2 },
      config: { prompt: 'p' },
      retry: { count: 1, backoff_s: 2 },
      timeout_s: 30,
      on_error: 'error_edge',
      default: null,
      fallback_model: 'ollama:llama3',
    },
    { id: 'n2', kind: 'note', label: '', position: { x: 5, y: 6 }, config: { text: 'hi', width: 300, height: 100 } },
  ],
  edges: [{ id: 'e1', source: 'n1', source_port: 'out', target: 'n2', target_port: 'in' }],
};

describe('graph document conversion', () => {
  it('round-trips through React Flow nodes and edges exactly', () => {
    const f = toFlow(g);
    expect(toGraph(f.nodes, f.edges)).toEqual(g);
    expect(f.nodes[1].type).toBe('note');
    expect(f.nodes[1].style).toEqual({ width: 300, height: 100 });
  });
  it('upgrades partial documents to the current schema', () => {
    const n = normalizeGraph({
      nodes: [{ id: 'a', kind: 'llm' } as never],
      edges: [{ id: 'e', source: 'a', target: 'b' } as never],
    });
    expect(n.schema_version).toBe(1);
    expect(n.nodes[0]).toMatchObject({ label: '', config: {}, position: { x: 0, y: 0 } });
    expect(n.edges[0]).toMatchObject({ source_port: 'out', target_port: 'in' });
  });
  it('reads only AXWeb clipboard documents', () => {
    expect(parseClipboard('hello')).toBeNull();
    expect(parseClipboard('{"nodes": []}')).toBeNull();
    expect(parseClipboard(JSON.stringify({ axweb_clipboard: 1, nodes: [], edges: [] }))).not.toBeNull();
  });
  it('pastes with fresh ids, offset positions and only the edges inside the selection', () => {
    const out = remapForPaste({ nodes: [g.nodes[0]], edges: g.edges }, new Set(['n1', 'n2']), new Set(['e1']), {
      x: 10,
      y: 10,
    });
    expect(out.nodes[0].id).toBe('n3');
    expect(out.nodes[0].position).toEqual({ x: 11, y: 12 });
    expect(out.edges).toEqual([]);
  });
});
