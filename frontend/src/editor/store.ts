/**
 * Editor store (one per open workflow). Every graph edit goes through `edit(name, fn, coalesce?)`,
 * which records the prior {nodes, edges} for undo and bumps `revision` (autosave watches it).
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import type { Problem } from '../api/client';
import type { Graph, GraphEdge, GraphNode, NodeKind } from '../api/types';
import { checkConnection, type ConnectionCheck } from './ports';
import {
  freshId,
  remapForPaste,
  toFlow,
  toFlowEdge,
  toFlowNode,
  toGraph,
  toGraphEdge,
  toGraphNode,
  type FlowEdge,
  type FlowNode,
  type NodeData,
} from './graph';
import { emptyHistory, record, redo, undo, type History } from './history';
import { defaultConfig } from './schemaForm';

export interface Snap {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface ProblemIndex {
  nodes: Record<string, string[]>;
  edges: Record<string, string[]>;
  general: string[];
}

export interface EditorState extends Snap {
  kinds: Map<string, NodeKind>;
  history: History<Snap>;
  revision: number;
  problems: ProblemIndex;
  lastEdit: { key: string; at: number } | null;
  readOnly: boolean;
}

export interface EditorActions {
  load(graph: Graph): void;
  setKinds(kinds: NodeKind[]): void;
  setReadOnly(v: boolean): void;
  edit(name: string, fn: (s: Snap) => Snap, coalesceKey?: string): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange[]): void;
  beginDrag(): void;
  addNode(kind: string, position: { x: number; y: number }): string;
  connect(c: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }): ConnectionCheck;
  checkConnect(c: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }): ConnectionCheck;
  updateNode(id: string, patch: Partial<NodeData>, coalesceKey?: string): void;
  deleteSelection(): void;
  duplicateSelection(): void;
  selectAll(): void;
  selected(): { nodes: GraphNode[]; edges: GraphEdge[] };
  paste(doc: { nodes: GraphNode[]; edges: GraphEdge[] }, offset?: { x: number; y: number }): void;
  setPositions(pos: Record<string, { x: number; y: number }>): void;
  replaceGraph(graph: Graph, name?: string): void;
  undo(): void;
  redo(): void;
  graph(): Graph;
  setProblems(problems: Problem[]): void;
}

export type EditorStore = EditorState & EditorActions;

const COALESCE_MS = 1200;

const noProblems = (): ProblemIndex => ({ nodes: {}, edges: {}, general: [] });

function pushTo(map: Record<string, string[]>, key: string, msg: string) {
  (map[key] ??= []).push(msg);
}

export function indexProblems(problems: Problem[]): ProblemIndex {
  const idx = noProblems();
  for (const p of problems) {
    if (p.node) pushTo(idx.nodes, p.node, p.message);
    if (p.edge) pushTo(idx.edges, p.edge, p.message);
    if (!p.node && !p.edge) idx.general.push(p.message);
  }
  return idx;
}

export function createEditorStore(initial?: Graph) {
  return createStore<EditorStore>()((set, get) => {
    const snap = (): Snap => ({ nodes: get().nodes, edges: get().edges });
    const apply = (next: Snap) => set((s) => ({ ...next, revision: s.revision + 1 }));
    const idsOf = (arr: { id: string }[]) => new Set(arr.map((x) => x.id));

    return {
      ...(initial ? toFlow(initial) : { nodes: [], edges: [] }),
      kinds: new Map(),
      history: emptyHistory<Snap>(),
      revision: 0,
      problems: noProblems(),
      lastEdit: null,
      readOnly: false,

      load: (graph) => set({ ...toFlow(graph), history: emptyHistory(), lastEdit: null, problems: noProblems() }),
      setKinds: (kinds) => set({ kinds: new Map(kinds.map((k) => [k.kind, k])) }),
      setReadOnly: (v) => set({ readOnly: v }),

      edit: (_name, fn, coalesceKey) => {
        if (get().readOnly) return;
        const before = snap();
        const now = Date.now();
        const last = get().lastEdit;
        const coalesce = !!coalesceKey && last?.key === coalesceKey && now - last.at < COALESCE_MS;
        const next = fn(before);
        if (next.nodes === before.nodes && next.edges === before.edges) return;
        set((s) => ({
          history: coalesce ? s.history : record(s.history, before),
          lastEdit: coalesceKey ? { key: coalesceKey, at: now } : null,
        }));
        apply(next);
      },

      onNodesChange: (changes) => {
        const structural = changes.filter((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace');
        const passive = changes.filter((c) => c.type !== 'remove' && c.type !== 'add' && c.type !== 'replace');
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
      },

      onEdgesChange: (changes) => {
        const removes = changes.filter((c) => c.type === 'remove');
        const rest = changes.filter((c) => c.type !== 'remove');
        if (rest.length) set((s) => ({ edges: applyEdgeChanges(rest, s.edges) }));
        if (removes.length) get().edit('removeEdges', (s) => ({ nodes: s.nodes, edges: applyEdgeChanges(removes, s.edges) }));
      },

      beginDrag: () => {
        if (get().readOnly) return;
        set((s) => ({ history: record(s.history, snap()), lastEdit: null }));
      },

      addNode: (kind, position) => {
        const k = get().kinds.get(kind);
        const id = freshId('n', idsOf(get().nodes));
        const gn: GraphNode = {
          id,
          kind,
          label: k?.title ?? kind,
          position,
          config: kind === 'note' ? { text: '', ...defaultConfig(k?.config_schema) } : defaultConfig(k?.config_schema),
        };
        get().edit('addNode', (s) => ({
          nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), { ...toFlowNode(gn), selected: true }],
          edges: s.edges,
        }));
        return id;
      },

      checkConnect: (c) => {
        const s = get();
        const graphNodes = new Map(s.nodes.map((n) => [n.id, toGraphNode(n)]));
        return checkConnection(
          { source: c.source, source_port: c.sourceHandle ?? 'out', target: c.target, target_port: c.targetHandle ?? 'in' },
          graphNodes,
          s.kinds,
          s.edges.map(toGraphEdge),
        );
      },

      connect: (c) => {
        const check = get().checkConnect(c);
        if (!check.ok) return check;
        const id = freshId('e', idsOf(get().edges));
        const ge: GraphEdge = {
          id,
          source: c.source,
          source_port: c.sourceHandle ?? 'out',
          target: c.target,
          target_port: c.targetHandle ?? 'in',
        };
        get().edit('connect', (s) => ({ nodes: s.nodes, edges: [...s.edges, toFlowEdge(ge)] }));
        return check;
      },

      updateNode: (id, patch, coalesceKey) => {
        // An edited node's old problems are stale; the next validate/save reports afresh.
        if (get().problems.nodes[id]) {
          const { [id]: _gone, ...nodes } = get().problems.nodes;
          set((s) => ({ problems: { ...s.problems, nodes } }));
        }
        get().edit(
          'updateNode',
          (s) => ({
            nodes: s.nodes.map((n) => {
              if (n.id !== id) return n;
              const next = { ...n, data: { ...n.data, ...patch } };
              if (n.data.kind === 'note' && patch.config) {
                const w = Number(patch.config.width) || undefined;
                const h = Number(patch.config.height) || undefined;
                if (w || h) next.style = { ...n.style, ...(w ? { width: w } : {}), ...(h ? { height: h } : {}) };
              }
              return next;
            }),
            edges: s.edges,
          }),
          coalesceKey,
        );
      },

      deleteSelection: () =>
        get().edit('deleteSelection', (s) => {
          const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
          const edges = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
          if (!gone.size && edges.length === s.edges.length) return s;
          return { nodes: s.nodes.filter((n) => !gone.has(n.id)), edges };
        }),

      duplicateSelection: () => {
        const sel = get().selected();
        if (sel.nodes.length) get().paste(sel, { x: 40, y: 40 });
      },

      selectAll: () =>
        set((s) => ({
          nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })),
          edges: s.edges.map((e) => (e.selected ? e : { ...e, selected: true })),
        })),

      selected: () => {
        const s = get();
        const ids = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
        return {
          nodes: s.nodes.filter((n) => ids.has(n.id)).map(toGraphNode),
          edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map(toGraphEdge),
        };
      },

      paste: (doc, offset = { x: 40, y: 40 }) => {
        const fresh = remapForPaste(doc, idsOf(get().nodes), idsOf(get().edges), offset);
        get().edit('paste', (s) => ({
          nodes: [
            ...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
            ...fresh.nodes.map((n) => ({ ...toFlowNode(n), selected: true })),
          ],
          edges: [...s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), ...fresh.edges.map(toFlowEdge)],
        }));
      },

      setPositions: (pos) =>
        get().edit('autoLayout', (s) => ({
          nodes: s.nodes.map((n) => (pos[n.id] ? { ...n, position: pos[n.id] } : n)),
          edges: s.edges,
        })),

      replaceGraph: (graph, name = 'replaceGraph') => get().edit(name, () => toFlow(graph)),

      undo: () => {
        const r = undo(get().history, snap());
        if (r) set((s) => ({ ...r.state, history: r.history, revision: s.revision + 1, lastEdit: null }));
      },

      redo: () => {
        const r = redo(get().history, snap());
        if (r) set((s) => ({ ...r.state, history: r.history, revision: s.revision + 1, lastEdit: null }));
      },

      graph: () => toGraph(get().nodes, get().edges),
      setProblems: (problems) => set({ problems: indexProblems(problems) }),
    };
  });
}

export type EditorStoreApi = ReturnType<typeof createEditorStore>;
