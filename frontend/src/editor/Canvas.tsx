import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  type Connection,
  type Edge,
  type IsValidConnection,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { toast, useTheme } from '../lib/ui';
import { isTyping } from './actions';
import { useEditorApi } from './context';
import { parseClipboard, type ClipboardDoc, type FlowNode } from './graph';
import { nodeTypes } from './nodes';
import { nodePorts, portColor } from './ports';
import { DND_TYPE } from './Palette';

const PRO = { hideAttribution: true };
const FIT_OPTIONS = { padding: 0.15, maxZoom: 1 };
const EDGE_OPTIONS = { type: 'default' };
const MINIMAP_STYLE = { width: 160, height: 100 };

function useClipboard(readOnly: boolean) {
  const store = useEditorApi();
  const rf = useReactFlow();
  useEffect(() => {
    const onCopy = (e: ClipboardEvent, cut = false) => {
      if (isTyping(e.target)) return;
      const sel = store.getState().selected();
      if (!sel.nodes.length) return;
      const doc: ClipboardDoc = { axweb_clipboard: 1, ...sel };
      e.clipboardData?.setData('text/plain', JSON.stringify(doc));
      e.preventDefault();
      toast(`${cut ? 'Cut' : 'Copied'} ${sel.nodes.length} node(s)`);
      if (cut && !readOnly) store.getState().deleteSelection();
    };
    const onCut = (e: ClipboardEvent) => onCopy(e, true);
    const onPaste = (e: ClipboardEvent) => {
      if (readOnly || isTyping(e.target)) return;
      const doc = parseClipboard(e.clipboardData?.getData('text/plain') ?? '');
      if (!doc) return;
      e.preventDefault();
      // Paste centred on the viewport when the nodes came from elsewhere.
      const minX = Math.min(...doc.nodes.map((n) => n.position.x));
      const minY = Math.min(...doc.nodes.map((n) => n.position.y));
      const el = document.querySelector('.canvas')?.getBoundingClientRect();
      const centre = rf.screenToFlowPosition({ x: (el?.left ?? 0) + (el?.width ?? 400) / 3, y: (el?.top ?? 0) + (el?.height ?? 400) / 3 });
      store.getState().paste(doc, { x: centre.x - minX, y: centre.y - minY });
    };
    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    return () => {
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
    };
  }, [store, rf, readOnly]);
}

// Below this zoom, nodes are drawn as blocks: port labels and summaries are unreadable there,
// and painting them for hundreds of nodes is what makes panning a large graph slow.
const DETAIL_ZOOM = 0.5;

export function Canvas({ onNodeClick }: { onNodeClick?: (id: string) => void }) {
  const store = useEditorApi();
  const rf = useReactFlow();
  const lowDetail = useFlowStore((s) => s.transform[2] < DETAIL_ZOOM);
  const nodes = useStore(store, (s) => s.nodes);
  const rawEdges = useStore(store, (s) => s.edges);
  const edgeProblems = useStore(store, (s) => s.problems.edges);
  const general = useStore(store, (s) => s.problems.general);
  const readOnly = useStore(store, (s) => s.readOnly);
  const colorMode = useTheme((s) => s.theme);
  const [hint, setHint] = useState<string | null>(null);
  // Fit only a graph that exists at mount; fitting later would jump the view under the first drop.
  const [fitOnMount] = useState(() => nodes.length > 0);
  const reason = useRef<string | null>(null);
  useClipboard(readOnly);

  const kinds = useStore(store, (s) => s.kinds);
  // Edges take the colour of their source port's type; recomputed on edge edits, not on drags.
  const edges = useMemo(() => {
    const byId = new Map(store.getState().nodes.map((n) => [n.id, n]));
    const typeOf = (id: string, port: string | null | undefined) => {
      const n = byId.get(id);
      if (!n) return 'any';
      const g = { id, kind: n.data.kind, label: n.data.label, position: n.position, config: n.data.config, on_error: n.data.on_error };
      return String(nodePorts(g, kinds.get(n.data.kind)).outputs.find((o) => o.name === port)?.type ?? 'any');
    };
    return rawEdges.map((e) => {
      const problem = edgeProblems[e.id];
      const style = { stroke: portColor(typeOf(e.source, e.sourceHandle)), strokeWidth: 1.6 };
      return problem ? { ...e, className: 'problem', label: problem[0], style } : { ...e, style };
    });
  }, [rawEdges, edgeProblems, kinds, store]);

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

  const onDrop = useCallback(
    (e: DragEvent) => {
      const kind = e.dataTransfer.getData(DND_TYPE);
      if (!kind || readOnly) return;
      e.preventDefault();
      store.getState().addNode(kind, rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [store, rf, readOnly],
  );

  const onConnectStart = useCallback(() => {
    reason.current = null;
    setHint(null);
  }, []);
  const onNodeDragStart = useCallback(() => store.getState().beginDrag(), [store]);
  const handleNodeClick = useMemo(() => (onNodeClick ? (_e: unknown, n: FlowNode) => onNodeClick(n.id) : undefined), [onNodeClick]);
  const minimapColor = useCallback((n: FlowNode) => store.getState().kinds.get(n.data.kind)?.color ?? '#999', [store]);

  return (
    <div className={lowDetail ? 'canvas lod' : 'canvas'} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop} data-testid="canvas">
      {hint && <div className="conn-msg" data-testid="connection-error">✕ {hint}</div>}
      {general.length > 0 && <div className="general-problems err-banner" data-testid="graph-problems">{general.map((m, i) => <div key={i}>⚠ {m}</div>)}</div>}
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={store.getState().onNodesChange}
        onEdgesChange={store.getState().onEdgesChange}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={onNodeDragStart}
        onNodeClick={handleNodeClick}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        onlyRenderVisibleElements
        fitView={fitOnMount}
        fitViewOptions={FIT_OPTIONS}
        minZoom={0.1}
        defaultEdgeOptions={EDGE_OPTIONS}
        proOptions={PRO}
        colorMode={colorMode}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="var(--canvas-dot)" />
        <MiniMap pannable zoomable style={MINIMAP_STYLE} nodeColor={minimapColor} />
        <Controls />
      </ReactFlow>
    </div>
  );
}
