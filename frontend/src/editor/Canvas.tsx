import {
  Controls,
  ReactFlow,
  useReactFlow,
  useStore as useFlowStore,
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
import { parseClipboard, type ClipboardDoc, type FlowNode } from './graph';
import { nodeTypes, runNodeTypes } from './nodes';
import { useSizedNodes } from './nodeSize';
import { DotGrid } from './DotGrid';
import { Overview } from './Overview';

const PRO = { hideAttribution: true };
const EDGE_OPTIONS = { type: 'default' };

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
  const nodes = useSizedNodes(storeNodes, kinds, nodeProblems, !inRun);
  const readOnly = useStore(store, (s) => s.readOnly);
  const colorMode = useTheme((s) => s.theme);
  const fitting = useInitialFit(nodes.length > 0);
  const wrapper = useRef<HTMLDivElement>(null);
  useClipboard(readOnly);
  const edges = useEdgeColours();
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
      className={`canvas${lowDetail ? ' lod' : ''}${fitting ? ' fitting' : ''}`}
      onDragOver={allowMove}
      onDrop={onDrop}
      onPointerDown={capturePanPointer}
      data-testid="canvas"
    >
      <CanvasBanners hint={hint} runView={readOnly} />
      {nodes.length === 0 && !readOnly && <EmptyCanvasHint />}
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={inRun ? runNodeTypes : nodeTypes}
        onNodesChange={store.getState().onNodesChange}
        onEdgesChange={store.getState().onEdgesChange}
        {...connecting}
        onNodeDragStart={onNodeDragStart}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        onNodeClick={handleNodeClick}
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
        <Overview nodeColor={minimapColor} theme={colorMode} />
        <Controls />
      </ReactFlow>
    </div>
  );
}
