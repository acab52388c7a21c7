/** Conversion between the stored graph document and React Flow nodes/edges. */
import type { Edge, Node } from '@xyflow/react';
import type { Graph, GraphEdge, GraphNode, OnError } from '../api/types';

export interface NodeData extends Record<string, unknown> {
  kind: string;
  label: string;
  config: Record<string, unknown>;
  retry?: { count: number; backoff_s: number };
  timeout_s?: number | null;
  on_error?: OnError;
  default?: unknown;
  fallback_model?: string | null;
}

export type FlowNode = Node<NodeData>;
export type FlowEdge = Edge;

export const SCHEMA_VERSION = 1;

export function emptyGraph(): Graph {
  return { schema_version: SCHEMA_VERSION, nodes: [], edges: [], viewport: { x: 0, y: 0, zoom: 1 } };
}

export function nodeType(kind: string): string {
  return kind === 'note' ? 'note' : 'ax';
}

export function toFlowNode(n: GraphNode): FlowNode {
  const { id, position, kind, label, config, ...rest } = n;
  const data: NodeData = { kind, label, config: config ?? {} };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) data[k] = v;
  const node: FlowNode = { id, type: nodeType(kind), position: { ...position }, data };
  if (kind === 'note') {
    const w = Number(config?.width) || 220;
    const h = Number(config?.height) || 140;
    node.style = { width: w, height: h };
  }
  return node;
}

export function toFlowEdge(e: GraphEdge): FlowEdge {
  return { id: e.id, source: e.source, sourceHandle: e.source_port, target: e.target, targetHandle: e.target_port };
}

export function toFlow(g: Graph): { nodes: FlowNode[]; edges: FlowEdge[] } {
  return { nodes: g.nodes.map(toFlowNode), edges: g.edges.map(toFlowEdge) };
}

export function toGraphNode(n: FlowNode): GraphNode {
  const { kind, label, config, ...rest } = n.data;
  const out: GraphNode = {
    id: n.id,
    kind,
    label,
    position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    config,
  };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

export function toGraphEdge(e: FlowEdge): GraphEdge {
  return {
    id: e.id,
    source: e.source,
    source_port: e.sourceHandle ?? 'out',
    target: e.target,
    target_port: e.targetHandle ?? 'in',
  };
}

export function toGraph(nodes: FlowNode[], edges: FlowEdge[], viewport?: Graph['viewport']): Graph {
  const g: Graph = { schema_version: SCHEMA_VERSION, nodes: nodes.map(toGraphNode), edges: edges.map(toGraphEdge) };
  if (viewport) g.viewport = viewport;
  return g;
}

/** Upgrade older or partial graph documents to the current shape. */
export function normalizeGraph(raw: Partial<Graph> | null | undefined): Graph {
  const g = raw ?? {};
  return {
    schema_version: SCHEMA_VERSION,
    nodes: (g.nodes ?? []).map((n) => ({
      ...n,
      label: n.label ?? '',
      config: n.config ?? {},
      position: n.position ?? { x: 0, y: 0 },
    })),
    edges: (g.edges ?? []).map((e) => ({
      ...e,
      source_port: e.source_port ?? 'out',
      target_port: e.target_port ?? 'in',
    })),
    viewport: g.viewport ?? { x: 0, y: 0, zoom: 1 },
  };
}

/** A fresh id with the prefix that is not in `taken` (n1, n2, … / e1, e2, …). */
export function freshId(prefix: string, taken: Set<string>): string {
  let i = taken.size + 1;
  while (taken.has(`${prefix}${i}`)) i++;
  const id = `${prefix}${i}`;
  taken.add(id);
  return id;
}

export interface ClipboardDoc {
  axweb_clipboard: 1;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function parseClipboard(text: string): ClipboardDoc | null {
  try {
    const doc = JSON.parse(text) as ClipboardDoc;
    if (doc && doc.axweb_clipboard === 1 && Array.isArray(doc.nodes) && Array.isArray(doc.edges)) return doc;
  } catch {
    /* not ours */
  }
  return null;
}

/** Give pasted nodes/edges fresh ids, offset positions; keep only edges inside the selection. */
export function remapForPaste(
  doc: { nodes: GraphNode[]; edges: GraphEdge[] },
  takenNodes: Set<string>,
  takenEdges: Set<string>,
  offset: { x: number; y: number },
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const idMap = new Map<string, string>();
  const nodes = doc.nodes.map((n) => {
    const id = freshId('n', takenNodes);
    idMap.set(n.id, id);
    return { ...structuredClone(n), id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
  });
  const edges = doc.edges
    .filter((e) => idMap.has(e.source) && idMap.has(e.target))
    .map((e) => ({ ...e, id: freshId('e', takenEdges), source: idMap.get(e.source)!, target: idMap.get(e.target)! }));
  return { nodes, edges };
}
