/** The canvas's behaviour, one hook per idea: first fit, edge colours, connection hints, dropping a node. */
import {
  useNodesInitialized,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge,
  type IsValidConnection,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { toast } from '../lib/ui';
import { useEditorApi } from './context';
import type { FlowEdge, FlowNode } from './graph';
import { BODY_CONTRACT } from './bodies';
import { fitBesideOverview } from './overview';
import { DND_TYPE } from './Palette';
import { nodePorts, portColor } from './ports';

/** Height kept free over a body's nodes for its breadcrumb bar. */
const BODY_BAR_PX = 50;

/** Fit the whole graph, keeping the overview map's corner free (see fitBesideOverview). */
export function useFitGraph(): (duration?: number) => void {
  const rf = useReactFlow<FlowNode>();
  const flow = useStoreApi<FlowNode>();
  const editor = useEditorApi();
  return useCallback(
    (duration = 0) => {
      const nodes = rf.getNodes();
      if (!nodes.length) return;
      const { width, height, minZoom } = flow.getState();
      const bar = editor.getState().frames.length ? BODY_BAR_PX : 0;
      const view = fitBesideOverview(rf.getNodesBounds(nodes), width, height, minZoom, 1, bar);
      void rf.setViewport(view, { duration });
    },
    [rf, flow, editor],
  );
}

/**
 * Fit only a graph that exists at mount; fitting later would jump the view under the first drop.
 * The graph stays hidden (`fitting`) until its nodes are measured and fitted (no frame at the wrong place).
 */
export function useInitialFit(hasNodes: boolean): boolean {
  const [fitting, setFitting] = useState(() => hasNodes);
  const measured = useNodesInitialized();
  const fitGraph = useFitGraph();
  useLayoutEffect(() => {
    if (!fitting || !measured) return;
    fitGraph();
    setFitting(false);
  }, [fitting, measured, fitGraph]);
  return fitting;
}

/** Edges take the colour of their source port's type; recomputed on edge edits, not on drags. */
export function useEdgeColours(): FlowEdge[] {
  const store = useEditorApi();
  const rawEdges = useStore(store, (s) => s.edges);
  const edgeProblems = useStore(store, (s) => s.problems.edges);
  const kinds = useStore(store, (s) => s.kinds);
  return useMemo(() => {
    const byId = new Map(store.getState().nodes.map((n) => [n.id, n]));
    const typeOf = (id: string, port: string | null | undefined) => {
      const n = byId.get(id);
      if (!n) return 'any';
      const g = {
        id,
        kind: n.data.kind,
        label: n.data.label,
        position: n.position,
        config: n.data.config,
        on_error: n.data.on_error,
      };
      return String(nodePorts(g, kinds.get(n.data.kind)).outputs.find((o) => o.name === port)?.type ?? 'any');
    };
    return rawEdges.map((e) => {
      const problem = edgeProblems[e.id];
      const style = { stroke: portColor(typeOf(e.source, e.sourceHandle)), strokeWidth: 1.6 };
      return problem ? { ...e, className: 'problem', label: problem[0], style } : { ...e, style };
    });
  }, [rawEdges, edgeProblems, kinds, store]);
}

/** While a connection is dragged, `hint` says why it would be refused; a refused drop toasts the reason. */
export function useConnectionHint() {
  const store = useEditorApi();
  const [hint, setHint] = useState<string | null>(null);
  const reason = useRef<string | null>(null);
  const isValidConnection: IsValidConnection = useCallback(
    (c: Connection | Edge) => {
      const check = store.getState().checkConnect(c);
      const why = check.ok ? null : (check.reason ?? 'not allowed');
      if (why !== reason.current) {
        reason.current = why;
        setHint(why);
      }
      return check.ok;
    },
    [store],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      const r = store.getState().connect(c);
      if (!r.ok) toast(`Cannot connect: ${r.reason}`, 'error');
    },
    [store],
  );
  const onConnectEnd = useCallback(() => {
    if (reason.current) toast(`Cannot connect: ${reason.current}`, 'error');
    reason.current = null;
    setHint(null);
  }, []);
  const onConnectStart = useCallback(() => {
    reason.current = null;
    setHint(null);
  }, []);
  return { hint, isValidConnection, onConnect, onConnectStart, onConnectEnd };
}

/** Dropping a palette entry on the canvas adds that node kind where it was dropped. */
export function useDropNode(readOnly: boolean) {
  const store = useEditorApi();
  const rf = useReactFlow();
  return useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(DND_TYPE);
      if (!kind || readOnly) return;
      e.preventDefault();
      store.getState().addNode(kind, rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [store, rf, readOnly],
  );
}

/**
 * Double-clicking a loop or map opens its body (a run view shows its first iteration); the view
 * is fitted to the level shown each time it changes (opening, breadcrumb, undo across levels).
 */
export function useOpenBodyOnDoubleClick() {
  const store = useEditorApi();
  const fitGraph = useFitGraph();
  const depth = useStore(store, (s) => s.frames.length);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // Two frames: React Flow takes the new level's nodes, then measures them.
    let raf = requestAnimationFrame(() => (raf = requestAnimationFrame(() => fitGraph())));
    return () => cancelAnimationFrame(raf);
  }, [depth, fitGraph]);
  return useCallback(
    (_e: unknown, n: FlowNode) => {
      if (!BODY_CONTRACT[n.data.kind]) return;
      const s = store.getState();
      s.openBody(n.id, 'body', s.readOnly ? 0 : undefined);
    },
    [store],
  );
}
