/**
 * The overview map (minimap): every node as a block, the visible area as a frame. Drawn into one
 * canvas on the frame after the view or the graph changes — an SVG minimap relays out and repaints
 * one element per node on every pan frame. Drag it to pan, click to centre there, wheel to zoom.
 */
import { useReactFlow, useStoreApi, type InternalNode, type ReactFlowState } from '@xyflow/react';
import { useEffect, useRef, type MutableRefObject, type PointerEvent, type RefObject, type WheelEvent } from 'react';
import type { FlowNode } from './graph';
import { fitInto, OVERVIEW_MARGIN, OVERVIEW_SIZE, toFlow, union, visibleRect, type Fit, type Rect } from './overview';

function nodesRect(nodes: InternalNode<FlowNode>[]): Rect | null {
  if (!nodes.length) return null;
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const n of nodes) {
    const p = n.internals.positionAbsolute;
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + (n.measured.width ?? 0));
    y1 = Math.max(y1, p.y + (n.measured.height ?? 0));
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

interface Paint {
  dpr: number;
  mask: string;
  frameColor: string;
  nodeColor: (n: FlowNode) => string;
}

/** Draw the nodes and the visible frame of the flow's current state; returns the fit it drew at. */
function drawOverview(ctx: CanvasRenderingContext2D, s: ReactFlowState<FlowNode>, paint: Paint): Fit {
  const { width, height } = OVERVIEW_SIZE;
  // Hidden nodes are the drawn layer's (Canvas): still the graph's nodes.
  const nodes = [...s.nodeLookup.values()];
  const view = visibleRect(s.transform, s.width, s.height);
  const f = fitInto(union(nodesRect(nodes) ?? view, view), OVERVIEW_SIZE);
  ctx.setTransform(paint.dpr, 0, 0, paint.dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  for (const n of nodes) {
    const p = n.internals.positionAbsolute;
    ctx.fillStyle = paint.nodeColor(n.internals.userNode);
    ctx.fillRect(
      p.x * f.scale + f.x,
      p.y * f.scale + f.y,
      Math.max((n.measured.width ?? 0) * f.scale, 1.5),
      Math.max((n.measured.height ?? 0) * f.scale, 1.5),
    );
  }
  const v = { x: view.x * f.scale + f.x, y: view.y * f.scale + f.y, w: view.width * f.scale, h: view.height * f.scale };
  ctx.beginPath();
  ctx.rect(0, 0, width, height);
  ctx.rect(v.x, v.y, v.w, v.h);
  ctx.fillStyle = paint.mask;
  ctx.fill('evenodd');
  ctx.strokeStyle = paint.frameColor;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(v.x, v.y, v.w, v.h);
  return f;
}

/** Redraw on the frame after the flow's state changes; `fit` holds the scale of the last drawing. */
function useOverviewDrawing(
  canvasRef: RefObject<HTMLCanvasElement | null>,
  nodeColor: (n: FlowNode) => string,
  theme: string,
) {
  const store = useStoreApi<FlowNode>();
  const fit = useRef<Fit>({ scale: 1, x: 0, y: 0 });
  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = OVERVIEW_SIZE.width * dpr;
    canvas.height = OVERVIEW_SIZE.height * dpr;
    const paint = {
      dpr,
      mask: cssVar(canvas, '--overview-mask', 'rgba(0,0,0,.08)'),
      frameColor: cssVar(canvas, '--accent', '#4f46e5'),
      nodeColor,
    };
    let frame = 0;
    const draw = () => {
      frame = 0;
      fit.current = drawOverview(ctx, store.getState(), paint);
    };
    draw();
    const unsubscribe = store.subscribe(() => {
      if (!frame) frame = requestAnimationFrame(draw);
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [store, nodeColor, theme, canvasRef]);
  return fit;
}

/** Drag to pan, click to centre there, wheel to zoom. */
function useOverviewPointer(canvasRef: RefObject<HTMLCanvasElement | null>, fit: MutableRefObject<Fit>) {
  const store = useStoreApi<FlowNode>();
  const rf = useReactFlow<FlowNode>();
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const local = (e: { clientX: number; clientY: number }) => {
    const r = canvasRef.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { ...local(e), moved: false };
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d) return;
    const p = local(e);
    if (!d.moved && Math.hypot(p.x - d.x, p.y - d.y) < 3) return;
    const [x, y, zoom] = store.getState().transform;
    const k = zoom / fit.current.scale; // overview pixels → screen pixels of the canvas
    rf.setViewport({ x: x - (p.x - d.x) * k, y: y - (p.y - d.y) * k, zoom });
    drag.current = { ...p, moved: true };
  };
  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d || d.moved) return;
    const at = toFlow(fit.current, d.x, d.y);
    void rf.setCenter(at.x, at.y, { zoom: store.getState().transform[2], duration: 200 });
    e.currentTarget.releasePointerCapture(e.pointerId);
  };
  const onPointerCancel = () => (drag.current = null);
  const onWheel = (e: WheelEvent<HTMLCanvasElement>) => {
    const zoom = store.getState().transform[2];
    void rf.zoomTo(zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2));
  };
  return { onPointerDown, onPointerMove, onPointerUp, onPointerCancel, onWheel };
}

export function Overview({ nodeColor, theme }: { nodeColor: (n: FlowNode) => string; theme: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const fit = useOverviewDrawing(canvasRef, nodeColor, theme);
  const pointer = useOverviewPointer(canvasRef, fit);
  return (
    <div className="overview" style={{ right: OVERVIEW_MARGIN, bottom: OVERVIEW_MARGIN }} data-testid="overview">
      <canvas
        ref={canvasRef}
        style={OVERVIEW_SIZE}
        role="img"
        aria-label="Overview map: drag to pan, click to centre"
        {...pointer}
      />
    </div>
  );
}
