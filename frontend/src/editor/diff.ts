/** "What changed" between two graph documents: nodes/edges added, removed, changed. */
import type { Graph, GraphEdge, GraphNode } from '../api/types';

export interface NodeChange {
  id: string;
  label: string;
  fields: string[];
}

export interface GraphDiff {
  nodesAdded: GraphNode[];
  nodesRemoved: GraphNode[];
  nodesChanged: NodeChange[];
  edgesAdded: GraphEdge[];
  edgesRemoved: GraphEdge[];
}

const NODE_FIELDS = ['kind', 'label', 'config', 'retry', 'timeout_s', 'on_error', 'default', 'fallback_model'] as const;

function same(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === 'object' && !Array.isArray(val)) {
      const o = val as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return val;
  });
}

function edgeKey(e: GraphEdge): string {
  return `${e.source}.${e.source_port}->${e.target}.${e.target_port}`;
}

/** Position moves are not "changes"; only meaning-bearing fields count. */
export function diffGraphs(before: Graph, after: Graph): GraphDiff {
  const a = new Map(before.nodes.map((n) => [n.id, n]));
  const b = new Map(after.nodes.map((n) => [n.id, n]));
  const nodesChanged: NodeChange[] = [];
  for (const [id, nb] of b) {
    const na = a.get(id);
    if (!na) continue;
    const fields = NODE_FIELDS.filter((f) => !same(na[f], nb[f]));
    if (fields.length) nodesChanged.push({ id, label: nb.label || id, fields: [...fields] });
  }
  const ea = new Set(before.edges.map(edgeKey));
  const eb = new Set(after.edges.map(edgeKey));
  return {
    nodesAdded: after.nodes.filter((n) => !a.has(n.id)),
    nodesRemoved: before.nodes.filter((n) => !b.has(n.id)),
    nodesChanged,
    edgesAdded: after.edges.filter((e) => !ea.has(edgeKey(e))),
    edgesRemoved: before.edges.filter((e) => !eb.has(edgeKey(e))),
  };
}

export function diffIsEmpty(d: GraphDiff): boolean {
  return !(
    d.nodesAdded.length ||
    d.nodesRemoved.length ||
    d.nodesChanged.length ||
    d.edgesAdded.length ||
    d.edgesRemoved.length
  );
}
