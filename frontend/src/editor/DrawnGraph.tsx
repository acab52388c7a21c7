/**
 * The drawn layer (drawn.ts): one SVG inside React Flow's viewport, so it pans and zooms with the
 * view as part of the same composited layer, with a handful of paths whatever the node count.
 * It takes no pointer events: a press on it reaches the pane (panning, and a click on a node goes
 * through Canvas's hit test).
 */
import { useStoreApi, ViewportPortal } from '@xyflow/react';
import { useCallback, useEffect, useRef } from 'react';
import { zoomStep, type DrawnGraph as Drawn } from './drawn';

/** As long as Canvas waits before redrawing the view sharp after a zoom (SHARPEN_AFTER_MS). */
const SETTLE_MS = 300;

/**
 * Line widths are given in screen pixels: `--px` is one screen pixel in flow units. It follows the
 * zoom once a zoom has settled, by a style on the SVG (no React render): changing it repaints the
 * layer, which a zoom gesture must not pay for on its frames.
 */
function useScreenPixel(): (svg: SVGSVGElement | null) => void {
  const flow = useStoreApi();
  const svg = useRef<SVGSVGElement | null>(null);
  const step = useRef(0);
  const apply = useCallback(() => {
    const next = zoomStep(flow.getState().transform[2]);
    if (next === step.current || !svg.current) return;
    step.current = next;
    svg.current.style.setProperty('--px', `${1 / next}px`);
  }, [flow]);
  useEffect(() => {
    let timer = 0;
    const unsubscribe = flow.subscribe(() => {
      clearTimeout(timer);
      timer = window.setTimeout(apply, SETTLE_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [flow, apply]);
  // A new SVG takes the current zoom's widths before its first paint.
  return useCallback(
    (el: SVGSVGElement | null) => {
      svg.current = el;
      step.current = 0;
      apply();
    },
    [apply],
  );
}

export function DrawnGraph({ drawn }: { drawn: Drawn }) {
  const svg = useScreenPixel();
  return (
    <ViewportPortal>
      <svg
        ref={svg}
        className="drawn-graph"
        width={1}
        height={1}
        role="img"
        aria-label={`The graph's ${drawn.nodes.length} nodes, drawn small: zoom in to edit them`}
        data-testid="drawn-graph"
      >
        {[...drawn.edges].map(([stroke, d]) =>
          stroke === 'problem' ? (
            <path key={stroke} className="edges problem" d={d} />
          ) : (
            <path key={stroke} className="edges" d={d} stroke={stroke} />
          ),
        )}
        <path className="cards" d={drawn.cards} />
        {[...drawn.heads].map(([color, d]) => (
          <path key={color} className="heads" d={d} fill={color} />
        ))}
        {drawn.problems && <path className="outline problem" d={drawn.problems} />}
        {drawn.selected && <path className="outline selected" d={drawn.selected} />}
      </svg>
    </ViewportPortal>
  );
}
