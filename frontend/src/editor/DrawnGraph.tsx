/**
 * The drawn layer (drawn.ts): one SVG inside React Flow's viewport, so it pans and zooms with the
 * view as part of the same composited layer, with a handful of paths whatever the node count.
 * It takes no pointer events: a press on it reaches the pane (panning, and a click on a node goes
 * through Canvas's hit test).
 */
import { useStore as useFlowStore, ViewportPortal } from '@xyflow/react';
import type { CSSProperties } from 'react';
import { zoomStep, type DrawnGraph as Drawn } from './drawn';

export function DrawnGraph({ drawn }: { drawn: Drawn }) {
  // Line widths are given in screen pixels: `--px` is one screen pixel in flow units.
  const zoom = useFlowStore((s) => zoomStep(s.transform[2]));
  const style = { '--px': `${1 / zoom}px` } as CSSProperties;
  return (
    <ViewportPortal>
      <svg
        className="drawn-graph"
        style={style}
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
