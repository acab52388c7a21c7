import { describe, expect, it } from 'vitest';
import {
  dotSpacing,
  fitBesideOverview,
  fitInto,
  toFlow,
  union,
  visibleRect,
  wrap,
  MIN_DOT_SPACING,
  OVERVIEW_MARGIN,
  OVERVIEW_SIZE,
  type Rect,
} from './overview';

describe('dot grid', () => {
  it('keeps the flow gap while it is wide enough on screen', () => {
    expect(dotSpacing(18, 1)).toBe(18);
    expect(dotSpacing(18, 2)).toBe(36);
  });

  it('doubles the gap when zoomed out so dots never crowd together', () => {
    expect(dotSpacing(18, 0.5)).toBe(18); // 9 px → 18 px
    const far = dotSpacing(18, 0.1);
    expect(far).toBeGreaterThanOrEqual(MIN_DOT_SPACING);
    expect(far).toBeCloseTo(18 * 0.1 * 8);
  });

  it('falls back to the flow gap for a degenerate zoom instead of looping forever', () => {
    expect(dotSpacing(18, 0)).toBe(18);
    expect(dotSpacing(18, Number.NaN)).toBe(18);
  });

  it('wraps negative offsets into the tile', () => {
    expect(wrap(-5, 18)).toBe(13);
    expect(wrap(40, 18)).toBe(4);
  });
});

describe('overview map', () => {
  it('turns the viewport transform into the visible flow rectangle', () => {
    expect(visibleRect([100, -50, 2], 800, 600)).toEqual({ x: -50, y: 25, width: 400, height: 300 });
  });

  it('fits the union of nodes and view, centred, inside the margin', () => {
    const nodes = { x: 0, y: 0, width: 1000, height: 500 };
    const view = { x: 900, y: 400, width: 400, height: 300 };
    const all = union(nodes, view);
    expect(all).toEqual({ x: 0, y: 0, width: 1300, height: 700 });
    const fit = fitInto(all, { width: 400, height: 120 }, 10); // height-bound
    expect(fit.scale).toBeCloseTo(100 / 700);
    const topLeft = { x: all.x * fit.scale + fit.x, y: all.y * fit.scale + fit.y };
    expect(topLeft.y).toBeCloseTo(10);
    expect(topLeft.x).toBeCloseTo((400 - 1300 * fit.scale) / 2);
  });

  it('maps an overview pixel back to the flow point drawn there', () => {
    const fit = fitInto({ x: -100, y: 50, width: 400, height: 200 }, { width: 160, height: 100 });
    const flow = { x: 120, y: 130 };
    const px = flow.x * fit.scale + fit.x;
    const py = flow.y * fit.scale + fit.y;
    const back = toFlow(fit, px, py);
    expect(back.x).toBeCloseTo(flow.x);
    expect(back.y).toBeCloseTo(flow.y);
  });
});

describe('fitting beside the overview map', () => {
  const canvas = { width: 850, height: 430 };
  const mapOnScreen: Rect = {
    x: canvas.width - OVERVIEW_MARGIN - OVERVIEW_SIZE.width,
    y: canvas.height - OVERVIEW_MARGIN - OVERVIEW_SIZE.height,
    width: OVERVIEW_SIZE.width,
    height: OVERVIEW_SIZE.height,
  };
  const onScreen = (b: Rect, v: { x: number; y: number; zoom: number }): Rect => ({
    x: b.x * v.zoom + v.x,
    y: b.y * v.zoom + v.y,
    width: b.width * v.zoom,
    height: b.height * v.zoom,
  });
  const overlaps = (a: Rect, b: Rect) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

  it.each([
    ['wide', { x: 0, y: 0, width: 2400, height: 400 }],
    ['tall', { x: 0, y: 0, width: 400, height: 1600 }],
    ['about the canvas shape', { x: -300, y: 50, width: 1000, height: 520 }],
  ])('keeps a %s graph clear of the map and inside the canvas', (_name, bounds) => {
    const v = fitBesideOverview(bounds, canvas.width, canvas.height);
    const graph = onScreen(bounds, v);
    expect(overlaps(graph, mapOnScreen)).toBe(false);
    expect(graph.x).toBeGreaterThanOrEqual(0);
    expect(graph.y).toBeGreaterThanOrEqual(0);
    expect(graph.x + graph.width).toBeLessThanOrEqual(canvas.width + 0.5);
    expect(graph.y + graph.height).toBeLessThanOrEqual(canvas.height + 0.5);
  });

  it('gives up height for a wide graph, width for a tall one', () => {
    const wide = fitBesideOverview({ x: 0, y: 0, width: 2400, height: 400 }, canvas.width, canvas.height);
    const tall = fitBesideOverview({ x: 0, y: 0, width: 400, height: 1600 }, canvas.width, canvas.height);
    expect(wide.zoom).toBeCloseTo((canvas.width - 48) / 2400, 2); // full width used
    expect(tall.zoom).toBeCloseTo((canvas.height - 48) / 1600, 2); // full height used
  });

  it('never zooms a small graph past 100 %', () => {
    expect(fitBesideOverview({ x: 0, y: 0, width: 100, height: 50 }, canvas.width, canvas.height).zoom).toBe(1);
  });
});
