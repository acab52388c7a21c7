import { describe, expect, it } from 'vitest';
import type { NodeKind } from '../api/types';
import { toFlowNode } from './graph';
import { nodeSize } from './nodeSize';

const kind = (k: string, inputs: string[], outputs: string[], dyn = false): NodeKind => ({
  kind: k,
  title: k,
  category: 'AI',
  description: '',
  color: '#000',
  config_schema: {},
  inputs: inputs.map((name) => ({ name, type: 'text' })),
  outputs: outputs.map((name) => ({ name, type: 'text' })),
  dynamic_ports: dyn,
});
const node = (k: string, config: Record<string, unknown> = {}, extra = {}) =>
  toFlowNode({ id: 'n1', kind: k, label: k, position: { x: 0, y: 0 }, config, ...extra });

describe('nodeSize', () => {
  it('stacks the head, the summary line and one row per port pair', () => {
    const agent = kind('agent', ['in', 'context', 'history'], ['out']);
    const size = nodeSize(node('agent', { agent: 'writer' }), agent)!;
    // border 1 + head 30 + summary 17 + ports 4 + 3 rows of 20 + 4 + border 1
    expect(size.measured).toEqual({ width: 210, height: 117 });
    expect(size.handles.map((h) => [h.id, h.type, h.x, h.y])).toEqual([
      ['in', 'target', -4, 57],
      ['context', 'target', -4, 77],
      ['history', 'target', -4, 97],
      ['out', 'source', 204, 57],
    ]);
    // No summary: the ports move up by its 17 pixels.
    expect(nodeSize(node('agent'), agent)!.measured.height).toBe(100);
  });

  it('adds the body row to loops and maps, and the error port to error-edge nodes', () => {
    const loop = kind('loop', ['in'], ['out', 'history']);
    expect(nodeSize(node('loop', { max_iterations: 3 }), loop)!.measured.height).toBe(108);
    const llm = kind('llm', ['in'], ['out'], true);
    const size = nodeSize(node('llm', {}, { on_error: 'error_edge' }), llm)!;
    expect(size.handles.filter((h) => h.type === 'source').map((h) => h.id)).toEqual(['out', 'error']);
    expect(size.measured.height).toBe(80);
  });

  it('leaves notes, unknown kinds and ports that follow the edges to be measured', () => {
    expect(nodeSize(node('note', { text: 'hi' }), kind('note', [], []))).toBeNull();
    expect(nodeSize(node('agent'), undefined)).toBeNull();
    expect(nodeSize(node('custom'), kind('custom', [], [], true))).toBeNull();
  });
});
