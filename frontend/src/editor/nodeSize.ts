/**
 * The size and handle positions of an editor node, known before it is drawn.
 *
 * React Flow draws an edge only once both its nodes have a size and handle bounds. Without them it
 * mounts every node, waits for its ResizeObserver to measure them all (a layout plus a handle query
 * per node), then renders every node and edge a second time. An editor node's box follows fixed
 * heights (styles.css: `.axnode`, its `.head`, `.summary`, port rows, `.body-row`), so it is given
 * here up front and the graph is drawn, edges included, in one pass. The ResizeObserver still
 * watches every node: a node whose box differs (problems listed on it) is measured and corrected
 * as before.
 */
import { Position, type NodeHandle } from '@xyflow/react';
import { useMemo } from 'react';
import type { GraphEdge, NodeKind } from '../api/types';
import { BODY_CONTRACT } from './bodies';
import type { FlowNode } from './graph';
import { DYNAMIC_PORTS, nodePorts, type NodePorts } from './ports';

// Mirrors styles.css (`.axnode` and its parts); a browser test checks edges end on the handles.
const WIDTH = 210;
const BORDER = 1;
const HEAD = 30;
const SUMMARY = 17;
const PORTS_PAD = 4;
const PORT_ROW = 20;
const BODY_ROW = 28;
const HANDLE = 10;
/** Handles are centred on the node's side: a 10-pixel handle starts 4 pixels outside a 1-pixel border. */
const HANDLE_OUT = 4;

const SUMMARY_KEYS = ['tool', 'agent', 'model', 'expression', 'prompt', 'policy', 'key', 'name'];

/** One short line that tells nodes of the same kind apart on the canvas. */
export function configSummary(config: Record<string, unknown>): string {
  for (const k of SUMMARY_KEYS) {
    const v = config[k];
    if (typeof v === 'string' && v.trim()) return `${k}: ${v.trim().replace(/\s+/g, ' ').slice(0, 60)}`;
  }
  return '';
}

/** Whether a node's ports depend on the edges (dynamic kinds without a client mirror, unknown kinds). */
export function portsFollowEdges(kind: NodeKind | undefined): boolean {
  return !kind || (kind.dynamic_ports && !DYNAMIC_PORTS[kind.kind]);
}

/** The ports a node shows (`edges` is read only when they follow the edges). */
export function shownPorts(
  id: string,
  data: FlowNode['data'],
  kind: NodeKind | undefined,
  edges: GraphEdge[] = [],
): NodePorts {
  const node = { id, kind: data.kind, label: data.label, position: { x: 0, y: 0 }, config: data.config };
  return nodePorts({ ...node, on_error: data.on_error }, kind, edges);
}

export interface NodeSize {
  measured: { width: number; height: number };
  handles: NodeHandle[];
}

/**
 * The box and handles of an editor node as styles.css lays it out, or null when it cannot be known
 * before drawing (notes, kinds not loaded, ports that follow the edges).
 */
export function nodeSize(node: FlowNode, kind: NodeKind | undefined): NodeSize | null {
  if (node.type !== 'ax' || portsFollowEdges(kind)) return null;
  const ports = shownPorts(node.id, node.data, kind);
  const portsTop = BORDER + HEAD + (configSummary(node.data.config) ? SUMMARY : 0);
  const rows = Math.max(ports.inputs.length, ports.outputs.length);
  const body = kind && BODY_CONTRACT[kind.kind] ? BODY_ROW : 0;
  const height = portsTop + 2 * PORTS_PAD + rows * PORT_ROW + body + BORDER;
  const handleY = (i: number) => portsTop + PORTS_PAD + i * PORT_ROW + (PORT_ROW - HANDLE) / 2;
  const handles: NodeHandle[] = [
    ...ports.inputs.map((p, i) => ({
      id: p.name,
      type: 'target' as const,
      position: Position.Left,
      x: -HANDLE_OUT,
      y: handleY(i),
      width: HANDLE,
      height: HANDLE,
    })),
    ...ports.outputs.map((p, i) => ({
      id: p.name,
      type: 'source' as const,
      position: Position.Right,
      x: WIDTH - HANDLE + HANDLE_OUT,
      y: handleY(i),
      width: HANDLE,
      height: HANDLE,
    })),
  ];
  return { measured: { width: WIDTH, height }, handles };
}

/**
 * The store's nodes as React Flow gets them: in the editor, a node not measured yet carries its
 * size and handles (nodeSize). The same store node always maps to the same object, so React Flow
 * re-reads only the nodes that changed. A node with problems listed on it is left to be measured;
 * one that got problems after it was sized keeps its size until the ResizeObserver corrects it
 * (dropping the size would hide the node and its edges for a frame).
 */
export function useSizedNodes(
  nodes: FlowNode[],
  kinds: Map<string, NodeKind>,
  problems: Record<string, string[]>,
  enabled: boolean,
): FlowNode[] {
  // The sizes follow the kinds (loaded once): new kinds, new sizes.
  const cache = useMemo(() => ({ kinds, sized: new WeakMap<FlowNode, FlowNode>() }), [kinds]);
  return useMemo(() => {
    if (!enabled) return nodes;
    return nodes.map((n) => {
      const known = cache.sized.get(n);
      if (known) return known;
      if (n.measured || problems[n.id]?.length) return n;
      const size = nodeSize(n, cache.kinds.get(n.data.kind));
      const out = size ? { ...n, ...size } : n;
      cache.sized.set(n, out);
      return out;
    });
  }, [nodes, problems, enabled, cache]);
}
