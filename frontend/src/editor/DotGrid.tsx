/**
 * The canvas background: dots on a grid that follows the view. One composited layer a tile larger
 * than the canvas, shifted by a transform on pan (no repaint) and re-tiled only when the zoom
 * changes. Below 50-ish % zoom the gap doubles, so dots never turn into a grey wash. (xyflow's
 * <Background> repaints an SVG pattern over the whole canvas on every pan frame.)
 */
import { useStoreApi } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { dotSpacing, wrap, type Transform } from './overview';

export function DotGrid({ gap = 18 }: { gap?: number }) {
  const store = useStoreApi();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let spacing = 0;
    let last: Transform | null = null;
    const apply = ({ transform }: { transform: Transform }) => {
      const el = ref.current;
      if (!el || transform === last) return;
      last = transform;
      const next = dotSpacing(gap, transform[2]);
      if (next !== spacing) {
        spacing = next;
        el.style.inset = `${-next}px`;
        el.style.backgroundSize = `${next}px ${next}px`;
      }
      el.style.transform = `translate(${wrap(transform[0], next)}px, ${wrap(transform[1], next)}px)`;
    };
    apply(store.getState());
    return store.subscribe(apply);
  }, [store, gap]);
  return <div className="dot-grid" ref={ref} aria-hidden />;
}
