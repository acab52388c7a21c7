/** Graph slice: the nodes and edges, the node kinds, problems and every graph edit but selection and paste. */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from '@xyflow/react';
import type { Graph, GraphEdge, GraphNode, NodeKind } from '../../api/types';
import {
  freshId,
  toFlow,
  toFlowEdge,
  toFlowNode,
  toGraph,
  toGraphEdge,
  toGraphNode,
  type FlowNode,
  type NodeData,
} from '../graph';
import { asGraph, bodyFields, foldFrames, framePath, seedBody } from '../bodies';
import { emptyHistory } from '../history';
import { indexProblems, noProblems, withoutNode } from '../problems';
import { checkConnection } from '../ports';
import { defaultConfig } from '../schemaForm';
import { idsOf, type ConnectRequest, type EditorActions, type EditorState, type SliceTools } from './types';

export type GraphSlice = Omit<EditorState, 'history' | 'lastEdit'> &
  Omit<
    EditorActions,
    | 'edit'
    | 'beginDrag'
    | 'undo'
    | 'redo'
    | 'deleteSelection'
    | 'selectAll'
    | 'selected'
    | 'paste'
    | 'duplicateSelection'
    | 'openBody'
    | 'closeBodies'
    | 'showIteration'
  >;

const isStructural = (c: NodeChange<FlowNode>) => c.type === 'remove' || c.type === 'add' || c.type === 'replace';

/** Moves, resizes and selection apply directly (a move or resize bumps `revision`); adds and removes are edits. */
function onNodesChange({ set, get }: SliceTools, changes: NodeChange<FlowNode>[]) {
  const structural = changes.filter(isStructural);
  const passive = changes.filter((c) => !isStructural(c));
  if (passive.length) {
    const moved = passive.some((c) => c.type === 'position' && c.position);
    const resized = passive.some((c) => c.type === 'dimensions' && c.resizing);
    set((s) => ({
      nodes: applyNodeChanges(passive, s.nodes),
      revision: moved || resized ? s.revision + 1 : s.revision,
    }));
  }
  if (structural.length && !get().readOnly) {
    get().edit('changeNodes', (s) => {
      const nodes = applyNodeChanges(structural, s.nodes);
      const gone = new Set(structural.filter((c) => c.type === 'remove').map((c) => (c as { id: string }).id));
      return { nodes, edges: s.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)) };
    });
  }
}

function onEdgesChange({ set, get }: SliceTools, changes: EdgeChange[]) {
  const removes = changes.filter((c) => c.type === 'remove');
  const rest = changes.filter((c) => c.type !== 'remove');
  if (rest.length) set((s) => ({ edges: applyEdgeChanges(rest, s.edges) }));
  if (removes.length) get().edit('removeEdges', (s) => ({ nodes: s.nodes, edges: applyEdgeChanges(removes, s.edges) }));
}

function newGraphNode(
  id: string,
  kind: string,
  k: NodeKind | undefined,
  position: { x: number; y: number },
): GraphNode {
  const config = kind === 'note' ? { text: '', ...defaultConfig(k?.config_schema) } : defaultConfig(k?.config_schema);
  // A new loop or map starts with a body that runs: its input wired to its output.
  for (const field of bodyFields(k)) if (!asGraph(config[field]).nodes.length) config[field] = seedBody(kind);
  return { id, kind, label: k?.title ?? kind, position, config };
}

function addNode({ get }: SliceTools, kind: string, position: { x: number; y: number }): string {
  const id = freshId('n', idsOf(get().nodes));
  const gn = newGraphNode(id, kind, get().kinds.get(kind), position);
  get().edit('addNode', (s) => ({
    nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), { ...toFlowNode(gn), selected: true }],
    edges: s.edges,
  }));
  return id;
}

const edgeOf = (c: ConnectRequest, id = '') => ({
  id,
  source: c.source,
  source_port: c.sourceHandle ?? 'out',
  target: c.target,
  target_port: c.targetHandle ?? 'in',
});

function checkConnect({ get }: SliceTools, c: ConnectRequest) {
  const s = get();
  const graphNodes = new Map(s.nodes.map((n) => [n.id, toGraphNode(n)]));
  const { id: _id, ...edge } = edgeOf(c);
  return checkConnection(edge, graphNodes, s.kinds, s.edges.map(toGraphEdge));
}

function connect({ get }: SliceTools, c: ConnectRequest) {
  const check = get().checkConnect(c);
  if (!check.ok) return check;
  const ge: GraphEdge = edgeOf(c, freshId('e', idsOf(get().edges)));
  get().edit('connect', (s) => ({ nodes: s.nodes, edges: [...s.edges, toFlowEdge(ge)] }));
  return check;
}

/** A note's width/height config also sizes its box. */
function patched(n: FlowNode, patch: Partial<NodeData>): FlowNode {
  const next = { ...n, data: { ...n.data, ...patch } };
  if (n.data.kind === 'note' && patch.config) {
    const w = Number(patch.config.width) || undefined;
    const h = Number(patch.config.height) || undefined;
    if (w || h) next.style = { ...n.style, ...(w ? { width: w } : {}), ...(h ? { height: h } : {}) };
  }
  return next;
}

function updateNode({ get }: SliceTools, id: string, patch: Partial<NodeData>, coalesceKey?: string) {
  // An edited node's old problems are stale; the next validate/save reports afresh.
  if (get().problems.nodes[id]) {
    const at = framePath(get().frames);
    get().setProblems(withoutNode(get().problemList, at, id));
  }
  const edit = (s: { nodes: FlowNode[]; edges: EditorState['edges'] }) => ({
    nodes: s.nodes.map((n) => (n.id === id ? patched(n, patch) : n)),
    edges: s.edges,
  });
  get().edit('updateNode', edit, coalesceKey);
}

export function graphSlice(tools: SliceTools, initial?: Graph): GraphSlice {
  const { set, get } = tools;
  return {
    ...(initial ? toFlow(initial) : { nodes: [], edges: [] }),
    kinds: new Map(),
    revision: 0,
    problems: noProblems(),
    problemList: [],
    frames: [],
    readOnly: false,

    load: (graph) =>
      set({
        ...toFlow(graph),
        frames: [],
        history: emptyHistory(),
        lastEdit: null,
        problems: noProblems(),
        problemList: [],
      }),
    setKinds: (kinds) => set({ kinds: new Map(kinds.map((k) => [k.kind, k])) }),
    setReadOnly: (v) => set({ readOnly: v }),
    onNodesChange: (changes) => onNodesChange(tools, changes),
    onEdgesChange: (changes) => onEdgesChange(tools, changes),
    addNode: (kind, position) => addNode(tools, kind, position),
    checkConnect: (c) => checkConnect(tools, c),
    connect: (c) => connect(tools, c),
    updateNode: (id, patch, coalesceKey) => updateNode(tools, id, patch, coalesceKey),
    setPositions: (pos) =>
      get().edit('autoLayout', (s) => ({
        nodes: s.nodes.map((n) => (pos[n.id] ? { ...n, position: pos[n.id] } : n)),
        edges: s.edges,
      })),
    replaceGraph: (graph, name = 'replaceGraph') => get().edit(name, () => ({ ...toFlow(graph), frames: [] })),
    graph: () => {
      const { nodes, edges, frames } = get();
      const root = foldFrames(frames, nodes, edges);
      return toGraph(root.nodes, root.edges);
    },
    setProblems: (problems) =>
      set({ problemList: problems, problems: indexProblems(problems, framePath(get().frames)) }),
  };
}
