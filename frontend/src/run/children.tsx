/** Runs started by a run: a subflow node's child run, found by the run and node that started it. */
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, listOf, type Page } from '../api/client';
import type { Run } from '../api/types';
import { StatusBadge } from '../components/common';
import { useRunSelect } from '../editor/context';
import type { RunStoreApi } from './runStore';
import { useStore } from 'zustand';

/** The child run of node `nodeId` (full id) of run `runId`; looked up again when the node's status changes. */
export function useChildRun(runId: string | undefined, nodeId: string, status: string | undefined): Run | null {
  const [child, setChild] = useState<Run | null>(null);
  useEffect(() => {
    if (!runId || !status || status === 'queued') return;
    let live = true;
    const look = () =>
      api
        .get<Page<Run> | Run[]>(`/api/runs/?parent=${runId}&page_size=200`)
        .then((body) => live && setChild(listOf(body).find((r) => r.parent_node === nodeId) ?? null))
        .catch(() => undefined);
    void look();
    // A running child changes status without its parent node doing so: look again meanwhile.
    const t = status === 'running' ? setInterval(look, 2000) : undefined;
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [runId, nodeId, status]);
  return child;
}

function ChildRunView({ child, compact }: { child: Run | null; compact?: boolean }) {
  if (!child) return compact ? null : <div className="hint">The child run starts when this node runs.</div>;
  return (
    <div className="child-run nodrag" data-testid="child-run">
      {!compact && <span className="hint">Child run · {child.workflow_name}</span>}
      <StatusBadge status={child.status} />
      <Link to={`/runs/${child.id}`} data-testid="open-child-run" onClick={(e) => e.stopPropagation()}>
        Open child run ▸
      </Link>
    </div>
  );
}

/** On a subflow node of the run canvas. */
export function ChildRunOnNode({ runNodeId }: { runNodeId: string }) {
  const runId = useRunSelect((s) => s.run.id, undefined);
  const status = useRunSelect((s) => s.nodes[runNodeId]?.status, undefined);
  return <ChildRunView child={useChildRun(runId, runNodeId, status)} compact />;
}

/** In the side panel, for a selected subflow node. */
export function ChildRunDetail({ store, id }: { store: RunStoreApi; id: string }) {
  const runId = useStore(store, (s) => s.run.id);
  const status = useStore(store, (s) => s.nodes[id]?.status);
  return (
    <>
      <h3>Subflow</h3>
      <ChildRunView child={useChildRun(runId, id, status)} />
    </>
  );
}
