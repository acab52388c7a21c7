/** A loop's or map's iterations in the run side panel: pick one to see its nodes on the canvas. */
import { useStore } from 'zustand';
import { StatusBadge } from '../components/common';
import { fmtMs } from '../lib/ui';
import { iterationsOf } from './iterations';
import type { RunStoreApi } from './runStore';

export function IterationList({
  store,
  id,
  unit,
  onOpen,
}: {
  store: RunStoreApi;
  id: string;
  unit: string;
  onOpen: (index: number) => void;
}) {
  // A string, so the list re-renders only when an iteration changes.
  const seen = useStore(store, (s) => JSON.stringify(iterationsOf(s.nodes, id)));
  const its = JSON.parse(seen) as ReturnType<typeof iterationsOf>;
  return (
    <>
      <h3>{unit === 'item' ? 'Items' : 'Iterations'}</h3>
      {its.length === 0 && <div className="hint">None yet.</div>}
      <div className="iteration-list" data-testid="iterations">
        {its.map((it) => (
          <button
            key={it.index}
            type="button"
            className="iteration"
            data-testid={`iteration-${it.index}`}
            onClick={() => onOpen(it.index)}
            title={`Show ${unit} ${it.index} on the canvas`}
          >
            <span className="mono">
              {unit} {it.index}
            </span>
            <StatusBadge status={it.status} />
            <span className="hint">
              {it.nodes} node(s){it.start !== null && it.end !== null ? ` · ${fmtMs(it.end - it.start)}` : ''}
            </span>
            <span className="hint">▸</span>
          </button>
        ))}
      </div>
    </>
  );
}
