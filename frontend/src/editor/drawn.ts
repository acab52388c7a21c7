/**
 * The drawn layer of a large graph seen from far: every node as a card with its kind's colour on
 * top, every edge as one line, in a few SVG paths instead of thousands of React Flow nodes.
 *
 * At the zoom that fits a graph of hundreds of nodes a node is a block of a few dozen pixels whose
 * text cannot be read, yet mounting it as a React Flow node (wrapper, drag handler, handles, ports)
 * is what made loading and zooming a 2,000-node graph take seconds. Below DRAWN_BELOW_ZOOM such a
 * graph is drawn instead; zoomed in, React Flow mounts the real nodes, only those in view.
 */
import { getBezierPath, Position, type NodeHandle } from '@xyflow/react';
import type { NodeKind } from '../api/types';
import type { FlowEdge, FlowNode } from './graph';
import { nodeSize } from './nodeSize';

/** Graphs with fewer nodes are always React Flow nodes: mounting them all fits in a frame's work. */
export const DRAWN_MIN_NODES = 400;
/** Below this zoom a node is at most 70 pixels wide and its text under 4 pixels: drawn, not mounted. */
export const DRAWN_BELOW_ZOOM = 0.35;
/** Clicking a drawn node zooms to it at this zoom, where it is a real node again. */
export const DRAWN_CLICK_ZOOM = 0.8;

/**
 * Whether the canvas shows the drawn layer: a large graph below DRAWN_BELOW_ZOOM, and a large graph
 * before its first fit (the zoom is not known yet; mounting every node to find out is the cost
 * avoided). Small graphs and run views (their nodes show the run) are always real nodes.
 */
export function showDrawn(nodeCount: number, zoom: number, fitting: boolean, runView = false): boolean {
  if (runView || nodeCount < DRAWN_MIN_NODES) return false;
  return fitting || zoom < DRAWN_BELOW_ZOOM;
}

/**
 * The zoom the drawn layer's line widths follow, in steps of √2: lines stay about one screen pixel
 * wide, and the layer is redrawn a few times over the zoom range, not on every wheel notch.
 */
export function zoomStep(zoom: number): number {
  if (!(zoom > 0)) return 1;
  return 2 ** (Math.round(Math.log2(zoom) * 2) / 2);
}

const HEAD = 30; // styles.css `.axnode .head`
const FALLBACK = { width: 210, height: 60 };

export interface DrawnNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DrawnGraph {
  nodes: DrawnNode[];
  /** The node cards, one path. */
  cards: string;
  /** Card heads by kind colour. */
  heads: Map<string, string>;
  /** Edges by stroke colour. */
  edges: Map<string, string>;
  selected: string;
  problems: string;
}

function nodeBox(n: FlowNode, kind: NodeKind | undefined): { width: number; height: number; handles?: NodeHandle[] } {
  if (n.measured?.width && n.measured.height) {
    return { width: n.measured.width, height: n.measured.height, handles: n.handles ?? nodeSize(n, kind)?.handles };
  }
  const size = nodeSize(n, kind);
  if (size) return { ...size.measured, handles: size.handles };
  const style = n.style as { width?: number; height?: number } | undefined;
  return { width: Number(style?.width) || FALLBACK.width, height: Number(style?.height) || FALLBACK.height };
}

const rect = (x: number, y: number, w: number, h: number) => `M${x} ${y}h${w}v${h}h${-w}z`;

function append(paths: Map<string, string>, key: string, d: string) {
  paths.set(key, (paths.get(key) ?? '') + d);
}

/** Where an edge meets a node, as React Flow draws it: its handle's outer middle, or the middle of the side. */
function anchor(
  node: DrawnNode | undefined,
  handles: NodeHandle[] | undefined,
  type: 'source' | 'target',
  id: string | null | undefined,
): { x: number; y: number } | null {
  if (!node) return null;
  const h = handles?.find((c) => c.type === type && (id == null || c.id === id));
  if (!h) return { x: node.x + (type === 'source' ? node.width : 0), y: node.y + node.height / 2 };
  const [w, hh] = [h.width ?? 0, h.height ?? 0];
  return { x: node.x + h.x + (type === 'source' ? w : 0), y: node.y + h.y + hh / 2 };
}

/** The drawn layer's paths for a graph's nodes (as React Flow gets them: sized) and coloured edges. */
export function drawnGraph(
  nodes: FlowNode[],
  edges: FlowEdge[],
  kinds: Map<string, NodeKind>,
  problems: Record<string, string[]> = {},
): DrawnGraph {
  const out: DrawnGraph = { nodes: [], cards: '', heads: new Map(), edges: new Map(), selected: '', problems: '' };
  const byId = new Map<string, { box: DrawnNode; handles?: NodeHandle[] }>();
  for (const n of nodes) {
    const kind = kinds.get(n.data.kind);
    const { width, height, handles } = nodeBox(n, kind);
    const box = { id: n.id, x: n.position.x, y: n.position.y, width, height };
    out.nodes.push(box);
    byId.set(n.id, { box, handles });
    const d = rect(box.x, box.y, width, height);
    out.cards += d;
    append(out.heads, kind?.color ?? '#999999', rect(box.x, box.y, width, Math.min(HEAD, height)));
    if (n.selected) out.selected += d;
    if (problems[n.id]?.length) out.problems += d;
  }
  for (const e of edges) {
    const s = byId.get(e.source);
    const t = byId.get(e.target);
    const from = anchor(s?.box, s?.handles, 'source', e.sourceHandle);
    const to = anchor(t?.box, t?.handles, 'target', e.targetHandle);
    if (!from || !to) continue;
    const [d] = getBezierPath({
      sourceX: from.x,
      sourceY: from.y,
      sourcePosition: Position.Right,
      targetX: to.x,
      targetY: to.y,
      targetPosition: Position.Left,
    });
    const stroke = e.className === 'problem' ? 'problem' : String(e.style?.stroke ?? '#999999');
    append(out.edges, stroke, d);
  }
  return out;
}

/** The topmost drawn node under a flow point (the last drawn wins, as on screen), or null. */
export function drawnNodeAt(nodes: DrawnNode[], x: number, y: number): DrawnNode | null {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (x >= n.x && x <= n.x + n.width && y >= n.y && y <= n.y + n.height) return n;
  }
  return null;
}
