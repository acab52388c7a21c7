import {
  Controls,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
  type FitViewOptions,
  type OnMoveEnd,
  type OnMoveStart,
} from '@xyflow/react';
import {
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  type DragEvent,
  type MouseEvent,
  type PointerEvent,
  type RefObject,
} from 'react';
import { Link } from 'react-router-dom';
import { useStore } from 'zustand';
import { toast, useTheme } from '../lib/ui';
import { isTyping } from './actions';
import { BodyNav } from './BodyNav';
import { useConnectionHint, useDropNode, useEdgeColours, useInitialFit, useOpenBodyOnDoubleClick } from './canvasHooks';
import { RunContext, useEditorApi } from './context';
import { DrawnGraph } from './DrawnGraph';
import {
  DRAWN_CLICK_ZOOM,
  DRAWN_MIN_NODES,
  drawnGraph,
  drawnNodeAt,
  showDrawn,
  type DrawnGraph as Drawn,
} from './drawn';
import { parseClipboard, type ClipboardDoc, type FlowEdge, type FlowNode } from './graph';
import { nodeTypes, runNodeTypes } from './nodes';
import { useSizedNodes } from './nodeSize';
import { DotGrid } from './DotGrid';
import { Overview } from './Overview';

const PRO = { hideAttribution: true };
const EDGE_OPTIONS = { type: 'default' };
const NO_EDGES: FlowEdge[] = [];
// Hidden nodes are the drawn layer's: still the graph's, so the fit button fits them.
const FIT_ALL: FitViewOptions = { includeHiddenNodes: true };

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
      const centre = rf.screenToFlowPosition({
        x: (el?.left ?? 0) + (el?.width ?? 400) / 3,
        y: (el?.top ?? 0) + (el?.height ?? 400) / 3,
      });
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

/**
 * A drag that starts on the empty pane pans the view: capture the pointer, so the browser sends
 * the moves straight to the pane instead of hit-testing every node and edge under the pointer on
 * each move (that hit test costs milliseconds per move with hundreds of nodes on screen).
 */
function capturePanPointer(e: PointerEvent<HTMLDivElement>) {
  const target = e.target as Element;
  if (e.button === 0 && target.classList.contains('react-flow__pane')) target.setPointerCapture(e.pointerId);
}

// The view moves as one composited layer (styles.css), drawn at the zoom it had when the layer was
// made: zooming in leaves it blurry. Once a zoom has settled, drop the layer for a frame so it is
// redrawn sharp. Not during a gesture: that redraw costs a long frame.
const SHARPEN_AFTER_MS = 300;

function useSharpenAfterZoom(wrapper: RefObject<HTMLDivElement | null>): [OnMoveStart, OnMoveEnd] {
  const drawnAt = useRef<number | null>(null);
  const timer = useRef(0);
  const onMoveStart = useCallback<OnMoveStart>((_e, viewport) => {
    clearTimeout(timer.current);
    drawnAt.current ??= viewport.zoom;
  }, []);
  const onMoveEnd = useCallback<OnMoveEnd>(
    (_e, viewport) => {
      clearTimeout(timer.current);
      if (drawnAt.current === null || drawnAt.current === viewport.zoom) return;
      timer.current = window.setTimeout(() => {
        const layer = wrapper.current?.querySelector<HTMLElement>('.react-flow__viewport');
        if (!layer) return;
        drawnAt.current = viewport.zoom;
        layer.style.willChange = 'auto';
        requestAnimationFrame(() => requestAnimationFrame(() => (layer.style.willChange = '')));
      }, SHARPEN_AFTER_MS);
    },
    [wrapper],
  );
  useEffect(() => () => clearTimeout(timer.current), []);
  return [onMoveStart, onMoveEnd];
}

/**
 * React Flow's nodes while the drawn layer shows the graph: hidden (React Flow mounts none of them,
 * and draws none of their edges), yet still its nodes — sized, selectable from the store, fitted,
 * shown on the overview map. The same node always maps to the same hidden copy.
 */
function useHiddenWhileDrawn(nodes: FlowNode[], drawn: boolean): FlowNode[] {
  const hidden = useMemo(() => new WeakMap<FlowNode, FlowNode>(), []);
  return useMemo(() => {
    if (!drawn) return nodes;
    return nodes.map((n) => {
      let h = hidden.get(n);
      if (!h) hidden.set(n, (h = { ...n, hidden: true }));
      return h;
    });
  }, [nodes, drawn, hidden]);
}

/** A click on a drawn node selects it and zooms to it, where it is a real node to edit. */
function useDrawnNodeClick(drawn: Drawn | null) {
  const store = useEditorApi();
  const rf = useReactFlow();
  return useCallback(
    (e: MouseEvent) => {
      if (!drawn) return;
      const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const hit = drawnNodeAt(drawn.nodes, at.x, at.y);
      if (!hit) return;
      // After React Flow's own pane click handling, which clears the selection.
      queueMicrotask(() => store.getState().onNodesChange([{ type: 'select', id: hit.id, selected: true }]));
      void rf.setCenter(hit.x + hit.width / 2, hit.y + hit.height / 2, { zoom: DRAWN_CLICK_ZOOM, duration: 300 });
    },
    [drawn, rf, store],
  );
}

function CanvasBanners({ hint, runView }: { hint: string | null; runView: boolean }) {
  const general = useStore(useEditorApi(), (s) => s.problems.general);
  return (
    <>
      <BodyNav runView={runView} />
      {hint && (
        <div className="conn-msg" data-testid="connection-error">
          ✕ {hint}
        </div>
      )}
      {general.length > 0 && (
        <div className="general-problems err-banner" data-testid="graph-problems">
          {general.map((m, i) => (
            <div key={i}>⚠ {m}</div>
          ))}
        </div>
      )}
    </>
  );
}

/** What a new user sees on an empty canvas: how to add a node, or where to start from. */
function EmptyCanvasHint() {
  return (
    <div className="empty-canvas card" data-testid="empty-canvas">
      <h2>An empty canvas</h2>
      <p>
        Drag a node from the palette, or focus one and press Enter. Connect an output port to an input of the same
        colour, or use “Connect” in the node’s panel.
      </p>
      <p>
        New here? <Link to="/templates">Start from a template</Link> — a ready team of agents you can change.
      </p>
    </div>
  );
}

const allowMove = (e: DragEvent) => {
  e.preventDefault();
  e.dataTransfer.dropEffect = 'move';
};

export function Canvas({ onNodeClick }: { onNodeClick?: (id: string) => void }) {
  const store = useEditorApi();
  const inRun = useContext(RunContext) !== null;
  const lowDetail = useFlowStore((s) => s.transform[2] < DETAIL_ZOOM);
  const storeNodes = useStore(store, (s) => s.nodes);
  const kinds = useStore(store, (s) => s.kinds);
  const nodeProblems = useStore(store, (s) => s.problems.nodes);
  // A run view's nodes grow with what the run shows: they are measured, not sized up front.
  const sized = useSizedNodes(storeNodes, kinds, nodeProblems, !inRun);
  const readOnly = useStore(store, (s) => s.readOnly);
  const colorMode = useTheme((s) => s.theme);
  const fitting = useInitialFit(sized.length > 0);
  // A large graph seen from far is drawn (drawn.ts); zoomed in, only the nodes in view are mounted.
  const drawnMode = useFlowStore((s) => showDrawn(sized.length, s.transform[2], fitting, inRun));
  const large = !inRun && sized.length >= DRAWN_MIN_NODES;
  const nodes = useHiddenWhileDrawn(sized, drawnMode);
  const wrapper = useRef<HTMLDivElement>(null);
  useClipboard(readOnly);
  const edges = useEdgeColours();
  const drawn = useMemo(
    () => (drawnMode ? drawnGraph(sized, edges, kinds, nodeProblems) : null),
    [drawnMode, sized, edges, kinds, nodeProblems],
  );
  const onPaneClick = useDrawnNodeClick(drawn);
  const { hint, ...connecting } = useConnectionHint();
  const onDrop = useDropNode(readOnly);
  const onNodeDragStart = useCallback(() => store.getState().beginDrag(), [store]);
  const [onMoveStart, onMoveEnd] = useSharpenAfterZoom(wrapper);
  const handleNodeClick = useMemo(
    () => (onNodeClick ? (_e: unknown, n: FlowNode) => onNodeClick(n.id) : undefined),
    [onNodeClick],
  );
  const onNodeDoubleClick = useOpenBodyOnDoubleClick();
  const minimapColor = useCallback((n: FlowNode) => store.getState().kinds.get(n.data.kind)?.color ?? '#999', [store]);

  return (
    <div
      ref={wrapper}
      className={`canvas${lowDetail ? ' lod' : ''}${drawnMode ? ' drawn' : ''}${fitting ? ' fitting' : ''}`}
      onDragOver={allowMove}
      onDrop={onDrop}
      onPointerDown={capturePanPointer}
      data-testid="canvas"
    >
      <CanvasBanners hint={hint} runView={readOnly} />
      {nodes.length === 0 && !readOnly && <EmptyCanvasHint />}
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={drawnMode ? NO_EDGES : edges}
        onlyRenderVisibleElements={large}
        nodeTypes={inRun ? runNodeTypes : nodeTypes}
        onNodesChange={store.getState().onNodesChange}
        onEdgesChange={store.getState().onEdgesChange}
        {...connecting}
        onNodeDragStart={onNodeDragStart}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        onNodeClick={handleNodeClick}
        onPaneClick={onPaneClick}
        onNodeDoubleClick={onNodeDoubleClick}
        zoomOnDoubleClick={false}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={false}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        minZoom={0.1}
        defaultEdgeOptions={EDGE_OPTIONS}
        proOptions={PRO}
        colorMode={colorMode}
      >
        <DotGrid />
        {drawn && <DrawnGraph drawn={drawn} />}
        <Overview nodeColor={minimapColor} theme={colorMode} />
        <Controls fitViewOptions={FIT_ALL} />
      </ReactFlow>
    </div>
  );
}
