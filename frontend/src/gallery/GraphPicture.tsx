import { useEffect, useMemo, useState } from 'react';
import type { Graph } from '../api/types';
import { catalog } from '../lib/catalog';
import { BOX_H, BOX_W, picture } from './picture';

/** Kind → colour from the node-kind catalog (one request per session). */
function useKindColors(): Record<string, string> {
  const [colors, setColors] = useState<Record<string, string>>({});
  useEffect(() => {
    catalog
      .kinds()
      .then((kinds) => setColors(Object.fromEntries(kinds.map((k) => [k.kind, k.color]))))
      .catch(() => setColors({}));
  }, []);
  return colors;
}

/** A small picture of a graph: a box per node in its kind's colour, a curve per edge. */
export function GraphPicture({ graph, title, height = 120 }: { graph: Graph; title: string; height?: number }) {
  const colors = useKindColors();
  const pic = useMemo(() => picture(graph), [graph]);
  return (
    <svg className="graph-picture" viewBox={pic.viewBox} height={height} role="img" aria-label={title}>
      {pic.curves.map((d, i) => (
        <path key={i} d={d} className="graph-picture-edge" />
      ))}
      {pic.boxes.map((b) => {
        const color = colors[b.kind] ?? '#64748b';
        return (
          <g key={b.id}>
            <rect
              x={b.x}
              y={b.y}
              width={BOX_W}
              height={BOX_H}
              rx={10}
              fill={color}
              fillOpacity={0.16}
              stroke={color}
              strokeWidth={3}
            />
            <text x={b.x + 14} y={b.y + BOX_H / 2 + 8} className="graph-picture-label">
              {b.label.length > 16 ? `${b.label.slice(0, 15)}…` : b.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
