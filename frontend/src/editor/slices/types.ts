/** The editor store's shape, shared by its slices (graph, selection, history, clipboard). */
import type { EdgeChange, NodeChange } from '@xyflow/react';
import type { StoreApi } from 'zustand/vanilla';
import type { Problem } from '../../api/client';
import type { Graph, GraphEdge, GraphNode, NodeKind } from '../../api/types';
import type { FlowEdge, FlowNode, NodeData } from '../graph';
import type { History } from '../history';
import type { Frame } from '../bodies';
import type { ConnectionCheck } from '../ports';
import type { ProblemIndex } from '../problems';

export type { ProblemIndex };

/** One level of the document as shown; `frames` (the open bodies above it) make it the whole. */
export interface Snap {
  nodes: FlowNode[];
  edges: FlowEdge[];
  frames?: Frame[];
}

export interface EditorState extends Snap {
  kinds: Map<string, NodeKind>;
  history: History<Snap>;
  revision: number;
  /** Problems of the level shown (from `problemList`, re-indexed when the level changes). */
  problems: ProblemIndex;
  problemList: Problem[];
  /** The open bodies, outermost first ([] while the workflow itself is shown). */
  frames: Frame[];
  lastEdit: { key: string; at: number } | null;
  readOnly: boolean;
}

export interface ConnectRequest {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
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
  connect(c: ConnectRequest): ConnectionCheck;
  checkConnect(c: ConnectRequest): ConnectionCheck;
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
  /** Open a container's body (a run view passes the iteration to show). */
  openBody(id: string, field?: string, iteration?: number): boolean;
  /** Close open bodies until `depth` stay open (0: back to the workflow). */
  closeBodies(depth: number): void;
  /** In a run view: show another iteration of the body open at `depth`. */
  showIteration(depth: number, iteration: number): void;
}

export type EditorStore = EditorState & EditorActions;

/** What every slice is built from: the store's own set/get and the current {nodes, edges}. */
export interface SliceTools {
  set: StoreApi<EditorStore>['setState'];
  get: () => EditorStore;
  snap(): Snap;
}

export const idsOf = (arr: { id: string }[]) => new Set(arr.map((x) => x.id));
