import { describe, expect, it } from 'vitest';
import type { GraphEdge, GraphNode, NodeKind } from '../api/types';
import { checkConnection, nodePorts, portsCompatible } from './ports';

const kind = (k: string, inputs: NodeKind['inputs'], outputs: NodeKind['outputs'], dyn = false): NodeKind => ({
  kind: k,
  title: k,
  category: 'AI',
  description: '',
  color: '#000',
  config_schema: {},
  inputs,
  outputs,
  dynamic_ports: dyn,
});
const kinds = new Map([
  ['llm', kind('llm', [{ name: 'in', type: 'text' }], [{ name: 'out', type: 'text' }])],
  ['map', kind('map', [{ name: 'items', type: 'list' }], [{ name: 'out', type: 'list' }])],
  ['join', kind('join', [{ name: 'in', type: 'any', multiple: true }], [{ name: 'out', type: 'json' }])],
  ['parse', kind('parse', [{ name: 'in', type: 'json' }], [{ name: 'out', type: 'json' }])],
  ['router', kind('router', [{ name: 'in', type: 'text' }], [], true)],
  ['input', kind('input', [], [{ name: 'out', type: 'any' }], true)],
  ['custom', kind('custom', [], [], true)],
]);
const node = (id: string, k: string, config = {}): GraphNode => ({
  id,
  kind: k,
  label: id,
  position: { x: 0, y: 0 },
  config,
});
const nodes = new Map([
  ['a', node('a', 'llm')],
  ['b', node('b', 'map')],
  ['c', node('c', 'join')],
  ['d', node('d', 'parse')],
  ['r', node('r', 'router', { routes: [{ name: 'yes', expression: 'x' }, { name: 'no' }] })],
  ['e', node('e', 'llm')],
  ['i', node('i', 'input', { name: 'items', type: 'list' })],
]);
const edge = (source: string, source_port: string, target: string, target_port: string) => ({
  source,
  source_port,
  target,
  target_port,
});

describe('port compatibility', () => {
  it('connects equal types and anything with any', () => {
    expect(portsCompatible('text', 'text')).toBe(true);
    expect(portsCompatible('any', 'list')).toBe(true);
    expect(portsCompatible('json', 'any')).toBe(true);
  });
  it('refuses text into json and text into list', () => {
    expect(portsCompatible('text', 'json')).toBe(false);
    expect(portsCompatible('text', 'list')).toBe(false);
  });
  it('explains why a text output cannot feed a list input', () => {
    const r = checkConnection(edge('a', 'out', 'b', 'items'), nodes, kinds, []);
    expect(r).toEqual({ ok: false, reason: 'text output cannot feed a list input' });
  });
  it('accepts a text output into an any input', () => {
    expect(checkConnection(edge('a', 'out', 'c', 'in'), nodes, kinds, []).ok).toBe(true);
  });
  it('refuses a second edge into a single input but allows it into a multiple one', () => {
    const existing: GraphEdge[] = [
      { id: 'e1', ...edge('a', 'out', 'e', 'in') },
      { id: 'e2', ...edge('a', 'out', 'c', 'in') },
    ];
    expect(checkConnection(edge('r', 'yes', 'e', 'in'), nodes, kinds, existing).ok).toBe(false);
    expect(checkConnection(edge('d', 'out', 'c', 'in'), nodes, kinds, existing).ok).toBe(true);
  });
  it('refuses self loops and duplicate edges', () => {
    expect(checkConnection(edge('a', 'out', 'a', 'in'), nodes, kinds, []).ok).toBe(false);
    const existing: GraphEdge[] = [{ id: 'e1', ...edge('a', 'out', 'c', 'in') }];
    expect(checkConnection(edge('a', 'out', 'c', 'in'), nodes, kinds, existing).ok).toBe(false);
  });
  it('adds an error output port when the node routes errors to an edge', () => {
    const n = { ...node('x', 'llm'), on_error: 'error_edge' as const };
    expect(nodePorts(n, kinds.get('llm')).outputs.map((p) => [p.name, p.type])).toEqual([
      ['out', 'text'],
      ['error', 'json'],
    ]);
    expect(nodePorts(node('y', 'llm'), kinds.get('llm')).outputs.map((p) => p.name)).toEqual(['out']);
  });
  it('derives router outputs from its routes, plus default', () => {
    expect(nodePorts(nodes.get('r')!, kinds.get('router')).outputs.map((p) => p.name)).toEqual([
      'yes',
      'no',
      'default',
    ]);
    expect(checkConnection(edge('r', 'no', 'e', 'in'), nodes, kinds, []).ok).toBe(true);
  });
  it('types an input node output by its config type', () => {
    expect(checkConnection(edge('i', 'out', 'b', 'items'), nodes, kinds, []).ok).toBe(true);
    expect(checkConnection(edge('i', 'out', 'e', 'in'), nodes, kinds, [])).toEqual({
      ok: false,
      reason: 'list output cannot feed a text input',
    });
  });
  it('gives an input node in chat mode the message, history and transcript outputs', () => {
    const chat = node('chat', 'input', { chat: true });
    expect(nodePorts(chat, kinds.get('input')).outputs).toEqual([
      { name: 'out', type: 'text' },
      { name: 'history', type: 'messages' },
      { name: 'messages', type: 'messages' },
    ]);
    const withChat = new Map([...nodes, ['chat', chat]]);
    expect(checkConnection(edge('chat', 'history', 'e', 'in'), withChat, kinds, [])).toEqual({
      ok: false,
      reason: 'messages output cannot feed a text input',
    });
  });
  it('lets unknown dynamic kinds keep the ports their edges use', () => {
    const n = node('c1', 'custom');
    const used: GraphEdge[] = [{ id: 'e9', source: 'c1', source_port: 'extra', target: 'e', target_port: 'in' }];
    expect(nodePorts(n, kinds.get('custom'), used).outputs.map((p) => p.name)).toEqual(['extra']);
  });
});
