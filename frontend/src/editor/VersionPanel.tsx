import { useCallback, useEffect, useState } from 'react';
import { api, messageOf, type Page } from '../api/client';
import type { Graph, Version, VersionInfo } from '../api/types';
import { Modal } from '../components/common';
import { fmtTime, toast } from '../lib/ui';
import { useEditorApi } from './context';
import { diffGraphs, diffIsEmpty, type GraphDiff } from './diff';
import { normalizeGraph } from './graph';

export function VersionPanel({ workflowId, refreshKey }: { workflowId: string; refreshKey: number }) {
  const store = useEditorApi();
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [viewing, setViewing] = useState<Version | null>(null);

  const load = useCallback(async () => {
    try {
      setVersions((await api.get<Page<VersionInfo>>(`/api/workflows/${workflowId}/versions/?page_size=200`)).results);
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }, [workflowId]);
  useEffect(() => void load(), [load, refreshKey]);

  async function open(n: number) {
    try {
      setViewing(await api.get<Version>(`/api/workflows/${workflowId}/versions/${n}/`));
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  }

  function restore(v: Version) {
    store.getState().replaceGraph(normalizeGraph(v.graph), 'restoreVersion');
    toast(`Restored v${v.number} onto the canvas (undo with Ctrl+Z)`, 'ok');
    setViewing(null);
  }

  return (
    <div data-testid="version-panel">
      {versions === null && <div className="hint">Loading…</div>}
      {versions?.length === 0 && <div className="hint">No saved versions yet. “Save version” creates v1.</div>}
      {versions?.map((v) => (
        <div className="version-item" key={v.number} data-testid={`version-${v.number}`}>
          <div className="row">
            <b>v{v.number}</b>
            <span className="hint">{fmtTime(v.created_at)}</span>
          </div>
          <div>{v.message || <span className="hint">no message</span>}</div>
          <div className="row" style={{ marginTop: 4 }}>
            <button className="small" onClick={() => open(v.number)}>
              View changes
            </button>
          </div>
        </div>
      ))}
      {viewing && (
        <Modal
          title={`Version ${viewing.number}`}
          onClose={() => setViewing(null)}
          wide
          footer={
            <>
              <button onClick={() => setViewing(null)}>Close</button>
              <button className="primary" onClick={() => restore(viewing)} data-testid="restore-version">
                Restore this version
              </button>
            </>
          }
        >
          <p className="hint">
            {viewing.message} · {fmtTime(viewing.created_at)} · {viewing.graph.nodes.length} nodes,{' '}
            {viewing.graph.edges.length} edges
          </p>
          <h3>What changed from v{viewing.number} to the current canvas</h3>
          <DiffView diff={diffGraphs(normalizeGraph(viewing.graph), store.getState().graph())} />
        </Modal>
      )}
    </div>
  );
}

export function DiffView({ diff }: { diff: GraphDiff }) {
  if (diffIsEmpty(diff))
    return (
      <div className="hint" data-testid="diff-empty">
        No differences (positions aside).
      </div>
    );
  const label = (n: { id: string; label: string; kind?: string }) =>
    `${n.label || n.id} (${n.id}${n.kind ? `, ${n.kind}` : ''})`;
  return (
    <ul data-testid="diff" style={{ paddingLeft: 18 }}>
      {diff.nodesAdded.map((n) => (
        <li key={`a${n.id}`} className="diff-add">
          + node {label(n)}
        </li>
      ))}
      {diff.nodesRemoved.map((n) => (
        <li key={`r${n.id}`} className="diff-del">
          − node {label(n)}
        </li>
      ))}
      {diff.nodesChanged.map((n) => (
        <li key={`c${n.id}`} className="diff-chg">
          ~ node {label(n)}: {n.fields.join(', ')}
        </li>
      ))}
      {diff.edgesAdded.map((e) => (
        <li key={`ea${e.id}`} className="diff-add">
          + edge {e.source}.{e.source_port} → {e.target}.{e.target_port}
        </li>
      ))}
      {diff.edgesRemoved.map((e) => (
        <li key={`er${e.id}`} className="diff-del">
          − edge {e.source}.{e.source_port} → {e.target}.{e.target_port}
        </li>
      ))}
    </ul>
  );
}

export function graphOf(v: Version | null): Graph | null {
  return v ? normalizeGraph(v.graph) : null;
}
