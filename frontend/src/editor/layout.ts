/** Auto-layout with elkjs (layered, left to right); loaded lazily to keep the first page light. */
import type { FlowEdge, FlowNode } from './graph';

export async function layoutPositions(
  nodes: FlowNode[],
  edges: FlowEdge[],
): Promise<Record<string, { x: number; y: number }>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const laid = nodes.filter((n) => n.type !== 'note');
  const ids = new Set(laid.map((n) => n.id));
  const res = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: laid.map((n) => ({ id: n.id, width: n.measured?.width ?? 190, height: n.measured?.height ?? 90 })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const out: Record<string, { x: number; y: number }> = {};
  for (const c of res.children ?? []) out[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  return out;
}
