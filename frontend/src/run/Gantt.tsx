import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { fmtMs } from '../lib/ui';
import type { NodeRun } from './dispatch';
import { ganttRows } from './iterations';
import type { RunStoreApi } from './runStore';

export interface Bar {
  id: string;
  label: string;
  start: number;
  end: number;
  status: NodeRun['status'];
}

/** Bars of node executions relative to the earliest start (running ones end at `now`). */
export function ganttBars(
  nodes: Record<string, NodeRun>,
  labels: Record<string, string>,
  now: number,
): { bars: Bar[]; t0: number; span: number } {
  const bars = Object.entries(nodes)
    .filter(([, n]) => n.started_at)
    .map(([id, n]) => ({
      id,
      label: labels[id] ?? id,
      start: new Date(n.started_at!).getTime(),
      end: n.finished_at
        ? new Date(n.finished_at).getTime()
        : n.status === 'running' || n.status === 'paused'
          ? now
          : new Date(n.started_at!).getTime(),
      status: n.status,
    }))
    .sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
  const t0 = bars.length ? Math.min(...bars.map((b) => b.start)) : now;
  const t1 = bars.length ? Math.max(...bars.map((b) => b.end)) : now;
  return { bars, t0, span: Math.max(1, t1 - t0) };
}

function GanttBar({
  b,
  depth,
  t0,
  span,
  onSelect,
}: {
  b: Bar;
  depth: number;
  t0: number;
  span: number;
  onSelect?: (id: string) => void;
}) {
  return (
    <div className="gantt-row" onClick={() => onSelect?.(b.id)} style={{ cursor: onSelect ? 'pointer' : undefined }}>
      <span className="lbl" title={b.label} style={{ paddingLeft: depth * 10 }}>
        {depth ? b.label.split(' › ').pop() : b.label}
      </span>
      <div className="gantt-track">
        <div
          className="gantt-bar"
          data-testid={`gantt-bar-${b.id}`}
          title={`${b.label}: ${fmtMs(b.end - b.start)} (${b.status})`}
          style={{
            left: `${((b.start - t0) / span) * 100}%`,
            width: `${Math.max(0.4, ((b.end - b.start) / span) * 100)}%`,
            background: `var(--st-${b.status})`,
          }}
        />
      </div>
    </div>
  );
}

export function Gantt({
  store,
  labels,
  onSelect,
}: {
  store: RunStoreApi;
  labels: Record<string, string>;
  onSelect?: (id: string) => void;
}) {
  const nodes = useStore(store, (s) => s.nodes);
  const live = useStore(store, (s) => s.run.status === 'running' || s.run.status === 'queued');
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [live]);
  const { bars, t0, span } = ganttBars(nodes, labels, now);
  if (!bars.length) return <div className="gantt hint">The timeline fills in as nodes start.</div>;
  return (
    <div className="gantt" data-testid="gantt">
      <div className="gantt-row">
        <span className="lbl">Timeline</span>
        <span className="hint">{fmtMs(span)} total</span>
      </div>
      {ganttRows(bars, labels).map((row) =>
        row.type === 'group' ? (
          <div className="gantt-row gantt-group" key={`g-${row.key}`} data-testid={`gantt-group-${row.key}`}>
            <span className="lbl" style={{ paddingLeft: row.depth * 10 }} title={row.label}>
              <span className={`st-${row.status}`}>●</span> {row.label}
            </span>
          </div>
        ) : (
          <GanttBar key={row.bar.id} b={row.bar} depth={row.depth} t0={t0} span={span} onSelect={onSelect} />
        ),
      )}
    </div>
  );
}
