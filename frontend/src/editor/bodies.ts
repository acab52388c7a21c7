/**
 * Nested bodies (a loop's or map's `body` graph) on the canvas. The editor shows one level at a
 * time: opening a body pushes a frame holding the level above, closing it writes the body back
 * into its container's config. A frame stack plus the shown level is always the whole document,
 * so undo/redo snapshots carry the frames and work across levels.
 */
import type { Graph, NodeKind } from '../api/types';
import { toFlow, toGraph, type FlowEdge, type FlowNode } from './graph';
import { isGraphSchema, resolveSchema } from './schemaForm';

export { isGraphSchema };

export interface Frame {
  /** The container node (in the level above) whose body is shown. */
  node: string;
  /** The config field holding the body (`body`). */
  field: string;
  /** The container's label, for the breadcrumb. */
  label: string;
  /** The level above, as it was when the body was opened. */
  nodes: FlowNode[];
  edges: FlowEdge[];
  /** In a run view: the iteration (loop) or item index (map) shown. */
  iteration?: number;
}

/** What a body of each kind is given and must give back (workflows/engine/kinds/loop.py, map.py). */
export const BODY_CONTRACT: Record<string, { inputs: string[]; output: string; unit: string }> = {
  loop: { inputs: ['state', 'iteration'], output: 'state', unit: 'iteration' },
  map: { inputs: ['item', 'index'], output: 'result', unit: 'item' },
};

/** Config fields of a kind that hold a body graph. */
export function bodyFields(kind: NodeKind | undefined): string[] {
  const schema = kind?.config_schema;
  return Object.entries(schema?.properties ?? {})
    .filter(([, s]) => isGraphSchema(resolveSchema(s, schema)))
    .map(([name]) => name);
}

export function asGraph(v: unknown): Graph {
  const g = (v && typeof v === 'object' ? v : {}) as Partial<Graph>;
  return { schema_version: 1, nodes: g.nodes ?? [], edges: g.edges ?? [] };
}

/** A new body: the contract's first input wired to its output, so it runs as it stands. */
export function seedBody(kind: string): Graph {
  const c = BODY_CONTRACT[kind] ?? { inputs: ['input'], output: 'output' };
  const name = c.inputs[0];
  return {
    schema_version: 1,
    nodes: [
      { id: 'n1', kind: 'input', label: name, position: { x: 0, y: 0 }, config: { name } },
      { id: 'n2', kind: 'output', label: c.output, position: { x: 520, y: 0 }, config: { name: c.output } },
    ],
    edges: [{ id: 'e1', source: 'n1', source_port: 'out', target: 'n2', target_port: 'in' }],
  };
}

/** One level's nodes and edges written into its container's config in the level above. */
function writeBody(frame: Frame, nodes: FlowNode[], edges: FlowEdge[]): FlowNode[] {
  const body = toGraph(nodes, edges);
  return frame.nodes.map((n) =>
    n.id === frame.node ? { ...n, data: { ...n.data, config: { ...n.data.config, [frame.field]: body } } } : n,
  );
}

/** The root level's nodes and edges, with every open body written back into its container. */
export function foldFrames(
  frames: Frame[],
  nodes: FlowNode[],
  edges: FlowEdge[],
): { nodes: FlowNode[]; edges: FlowEdge[] } {
  let level = { nodes, edges };
  for (let i = frames.length - 1; i >= 0; i--) {
    level = { nodes: writeBody(frames[i], level.nodes, level.edges), edges: frames[i].edges };
  }
  return level;
}

/** Open the body `field` of node `id` of the shown level: a new frame and the body's level. */
export function enterBody(
  frames: Frame[],
  nodes: FlowNode[],
  edges: FlowEdge[],
  id: string,
  field = 'body',
  iteration?: number,
): { frames: Frame[]; nodes: FlowNode[]; edges: FlowEdge[] } | null {
  const container = nodes.find((n) => n.id === id);
  if (!container) return null;
  const body = asGraph(container.data.config[field]);
  const frame: Frame = {
    node: id,
    field,
    label: container.data.label || id,
    nodes: nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
    edges,
    ...(iteration !== undefined ? { iteration } : {}),
  };
  return { frames: [...frames, frame], ...toFlow(body) };
}

/** Close bodies until `depth` frames stay open (0: the workflow itself). */
export function leaveTo(
  frames: Frame[],
  nodes: FlowNode[],
  edges: FlowEdge[],
  depth: number,
): { frames: Frame[]; nodes: FlowNode[]; edges: FlowEdge[] } {
  let level = { nodes, edges };
  for (let i = frames.length - 1; i >= depth; i--) {
    level = { nodes: writeBody(frames[i], level.nodes, level.edges), edges: frames[i].edges };
  }
  return { frames: frames.slice(0, depth), ...level };
}

/** The run-event id prefix of the shown level: `loop1[2].map3[0].` (workflows/engine/context.py). */
export function runPrefix(frames: Frame[]): string {
  return frames.map((f) => `${f.node}[${f.iteration ?? 0}].`).join('');
}

/** The container ids leading to the shown level (for problems reported with a `path`). */
export function framePath(frames: Frame[]): string[] {
  return frames.map((f) => f.node);
}
