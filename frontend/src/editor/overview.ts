/** Geometry of the canvas chrome that follows the viewport: the dot grid, the overview map, fitting. */
import { getViewportForBounds, type Viewport } from '@xyflow/react';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** xyflow's viewport transform: screen = flow * zoom + (x, y). */
export type Transform = readonly [x: number, y: number, zoom: number];

/** Flow → overview pixels: overview = flow * scale + (x, y). */
export interface Fit {
  scale: number;
  x: number;
  y: number;
}

/** Dots closer than this on screen read as a grey wash, and cost far more to paint than they show. */
export const MIN_DOT_SPACING = 12;

/** Screen distance between grid dots: the flow gap, doubled until it is at least MIN_DOT_SPACING. */
export function dotSpacing(gap: number, zoom: number): number {
  let spacing = gap * zoom;
  if (!(spacing > 0)) return gap;
  while (spacing < MIN_DOT_SPACING) spacing *= 2;
  return spacing;
}

/** A non-negative remainder, so the grid shifts the same way on both sides of the origin. */
export function wrap(value: number, size: number): number {
  return ((value % size) + size) % size;
}

/** The part of the flow the canvas shows. */
export function visibleRect([x, y, zoom]: Transform, width: number, height: number): Rect {
  return { x: -x / zoom, y: -y / zoom, width: width / zoom, height: height / zoom };
}

export function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** Fit `content` (nodes and visible area) into a box of `size`, centred, keeping `margin` pixels free. */
export function fitInto(content: Rect, size: { width: number; height: number }, margin = 6): Fit {
  const w = Math.max(content.width, 1);
  const h = Math.max(content.height, 1);
  const scale = Math.min((size.width - 2 * margin) / w, (size.height - 2 * margin) / h);
  return {
    scale,
    x: (size.width - w * scale) / 2 - content.x * scale,
    y: (size.height - h * scale) / 2 - content.y * scale,
  };
}

/** The flow point under an overview pixel. */
export function toFlow(fit: Fit, px: number, py: number): { x: number; y: number } {
  return { x: (px - fit.x) / fit.scale, y: (py - fit.y) / fit.scale };
}

/** The overview map's size and its distance from the canvas's bottom-right corner. */
export const OVERVIEW_SIZE = { width: 160, height: 100 };
export const OVERVIEW_MARGIN = 12;
const FIT_GAP = 24;

/**
 * The view that shows all of `bounds` as large as possible (up to `maxZoom`) while keeping the
 * overview map's corner free: room is kept either right of the graph or below it, whichever side
 * costs less zoom — a wide graph gives up height, a tall one width.
 */
export function fitBesideOverview(
  bounds: Rect,
  width: number,
  height: number,
  minZoom = 0.1,
  maxZoom = 1,
  /** Room kept over the graph (a body's breadcrumb bar). */
  topBar = 0,
): Viewport {
  const px = (n: number) => `${n}px` as const;
  const gap = { top: px(FIT_GAP + topBar), left: px(FIT_GAP), right: px(FIT_GAP), bottom: px(FIT_GAP) };
  const right = getViewportForBounds(bounds, width, height, minZoom, maxZoom, {
    ...gap,
    right: px(OVERVIEW_SIZE.width + OVERVIEW_MARGIN + FIT_GAP),
  });
  const below = getViewportForBounds(bounds, width, height, minZoom, maxZoom, {
    ...gap,
    bottom: px(OVERVIEW_SIZE.height + OVERVIEW_MARGIN + FIT_GAP),
  });
  return below.zoom > right.zoom ? below : right;
}
