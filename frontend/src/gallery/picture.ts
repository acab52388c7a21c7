/** Geometry of a graph's thumbnail: node boxes and edge curves in one bounding box. */
import type { Graph } from '../api/types';

export const BOX_W = 180;
export const BOX_H = 56;
const PAD = 24;

export interface Box {
  id: string;
  kind: string;
  label: string;
  x: number;
  y: number;
}

export interface Picture {
  viewBox: string;
  boxes: Box[];
  curves: string[];
}

/** Boxes at the nodes' positions and a cubic curve per edge (right side → left side). */
export function picture(graph: Graph): Picture {
  const boxes = graph.nodes.map((n) => ({
    id: n.id,
    kind: n.kind,
    label: n.label || n.kind,
    x: n.position?.x ?? 0,
    y: n.position?.y ?? 0,
  }));
  const at = new Map(boxes.map((b) => [b.id, b]));
  const curves = graph.edges.flatMap((e) => {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (!a || !b) return [];
    const [x1, y1, x2, y2] = [a.x + BOX_W, a.y + BOX_H / 2, b.x, b.y + BOX_H / 2];
    const bend = Math.max(30, Math.abs(x2 - x1) / 2);
    return [`M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`];
  });
  const xs = boxes.map((b) => b.x);
  const ys = boxes.map((b) => b.y);
  const minX = Math.min(0, ...xs) - PAD;
  const minY = Math.min(0, ...ys) - PAD;
  const width = Math.max(0, ...xs) + BOX_W + PAD - minX;
  const height = Math.max(0, ...ys) + BOX_H + PAD - minY;
  return { viewBox: `${minX} ${minY} ${width} ${height}`, boxes, curves };
}
