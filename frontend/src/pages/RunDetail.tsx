import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useStore } from 'zustand';
import { api, messageOf } from '../api/client';
import type { Run, Version } from '../api/types';
import { ErrorBanner, StatusBadge } from '../components/common';
import { Canvas } from '../editor/Canvas';
import { EditorContext, RunContext } from '../editor/context';
import { runPrefix } from '../editor/bodies';
import { normalizeGraph } from '../editor/graph';
import { createEditorStore, type EditorStoreApi } from '../editor/store';
import { catalog } from '../lib/catalog';
import { download, fmtCost, fmtMs, toast } from '../lib/ui';
import { isTerminal, liveTokens, totalUsage, type RunState } from '../run/dispatch';
import { Gantt } from '../run/Gantt';
import { createRunStore, type RunStoreApi } from '../run/runStore';
import { watchRun } from '../run/socket';
import { parseRunId, runLabels, runNodeKind } from '../run/iterations';
import { RunSidePanel, type NodeExtras } from '../run/SidePanel';
import { Trace } from '../run/Trace';

export function RunDetailPage() {
  const { id = '' } = useParams();
  // One page state per run: opening a child run from a subflow node starts afresh.
  return <RunDetail key={id} id={id} />;
}

function RunDetail({ id }: { id: string }) {
  const editor = useMemo(() => createEditorStore(), [id]); // eslint-disable-line react-hooks/exhaustive-deps
  const runStore = useMemo(() => createRunStore(), [id]); // eslint-disable-line react-hooks/exhaustive-deps
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    editor.getState().setReadOnly(true);
    let live = true;
    (async () => {
      const run = await api.get<Run>(`/api/runs/${id}/`);
      const [kinds, v] = await Promise.all([catalog.kinds(), runGraph(run)]);
      if (!live) return;
      editor.getState().setKinds(kinds);
      editor.getState().load(normalizeGraph(v?.graph));
      runStore.setState((s) => ({ run: { ...run, ...s.run } }));
      setReady(true);
    })().catch((e) => live && setError(e));
    const stop = watchRun(id, runStore);
    return () => {
      live = false;
      stop();
    };
  }, [id, editor, runStore]);

  useEffect(
    () =>
      runStore.subscribe((s, prev) => {
        if (s.nodes !== prev.nodes) animateActiveEdges(editor, s.nodes);
      }),
    [editor, runStore],
  );
  const labels = useRunLabels(editor, runStore, ready);
  const extras = useNodeExtras(editor);
  // A click on the canvas names the node of the level shown (inside a body: `loop[2].n3`).
  const select = useCallback((id: string) => setSelected(runPrefix(editor.getState().frames) + id), [editor]);
  if (error)
    return (
      <div className="page">
        <ErrorBanner error={error} />
        <Link to="/runs">Back to runs</Link>
      </div>
    );
  if (!ready) return <div className="empty">Loading run…</div>;
  return (
    <EditorContext.Provider value={editor}>
      <RunContext.Provider value={runStore}>
        <ReactFlowProvider>
          <div className="runview">
            <RunBar runId={id} store={runStore} selected={selected} labels={labels} />
            <Canvas onNodeClick={select} />
            <RunSide
              id={id}
              store={runStore}
              selected={selected}
              labels={labels}
              select={setSelected}
              extras={extras}
            />
            <div className="gantt-wrap">
              <Gantt store={runStore} labels={labels} onSelect={setSelected} />
            </div>
          </div>
        </ReactFlowProvider>
      </RunContext.Provider>
    </EditorContext.Provider>
  );
}

/** The top-level node a run node id belongs to: `n1[0].a` → `n1`, `n3` → `n3`. */
function topNode(id: string): string {
  const { containers, node } = parseRunId(id);
  return containers[0]?.[0] ?? node;
}

/** The graph a run ran: its version's, or for a playground run the draft as it was when the run started. */
async function runGraph(run: Run): Promise<{ graph: Version['graph'] } | null> {
  return api.get<{ graph: Version['graph'] }>(`/api/runs/${run.id}/graph/`);
}

function RunSide({
  id,
  store,
  selected,
  labels,
  select,
  extras,
}: {
  id: string;
  store: RunStoreApi;
  selected: string | null;
  labels: Record<string, string>;
  select: (id: string | null) => void;
  extras: NodeExtras;
}) {
  const [tab, setTab] = useState<'details' | 'trace'>('details');
  return (
    <aside className="side">
      <div className="tabs">
        <button className={tab === 'details' ? 'on' : ''} onClick={() => setTab('details')}>
          Details
        </button>
        <button className={tab === 'trace' ? 'on' : ''} onClick={() => setTab('trace')} data-testid="tab-trace">
          Trace
        </button>
      </div>
      {tab === 'details' ? (
        <RunSidePanel store={store} selected={selected} labels={labels} onSelect={select} extras={extras} />
      ) : (
        <Trace runId={id} store={store} labels={labels} />
      )}
    </aside>
  );
}

/** Names of the run's nodes, body nodes included (`Refine #2 › Critic`). */
function useRunLabels(editor: EditorStoreApi, runStore: RunStoreApi, ready: boolean): Record<string, string> {
  const ids = useStore(runStore, (s) => Object.keys(s.nodes).join('\n'));
  return useMemo(
    () => (ready ? runLabels(editor.getState().graph(), ids ? ids.split('\n') : []) : {}),
    [editor, ids, ready],
  );
}

/** What the side panel needs to know of the graph: a node's kind, and how to show an iteration. */
function useNodeExtras(editor: EditorStoreApi): NodeExtras {
  return useMemo(
    () => ({
      kindOf: (id: string) => runNodeKind(editor.getState().graph(), id),
      openIteration: (container: string, index: number) => {
        const s = editor.getState();
        s.closeBodies(0);
        for (const [node, i] of parseRunId(`${container}[${index}].x`).containers) s.openBody(node, 'body', i);
      },
    }),
    [editor],
  );
}

/** Edges feeding a running node animate; the edge array is replaced only when a flag flips. */
function animateActiveEdges(editor: EditorStoreApi, nodes: RunState['nodes']) {
  const { edges, frames } = editor.getState();
  const at = runPrefix(frames); // inside a body: that iteration's nodes
  let changed = false;
  const next = edges.map((e) => {
    const on = nodes[at + e.target]?.status === 'running' && nodes[at + e.source]?.status === 'succeeded';
    if (!!e.animated === on) return e;
    changed = true;
    return { ...e, animated: on };
  });
  if (changed) editor.setState({ edges: next });
}

function useTicker(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

/** Elapsed time, tokens and cost of the run so far. */
function useRunFigures(store: RunStoreApi) {
  const run = useStore(store, (s) => s.run);
  const usage = useStore(store, (s) => JSON.stringify({ ...totalUsage(s), live: liveTokens(s) }));
  const u = JSON.parse(usage) as ReturnType<typeof totalUsage> & { live: ReturnType<typeof liveTokens> };
  const done = isTerminal(run.status);
  const now = useTicker(!done);
  const elapsed = run.started_at
    ? (run.finished_at ? new Date(run.finished_at).getTime() : now) - new Date(run.started_at).getTime()
    : null;
  // Node usage streams in live; the run's own usage is authoritative once it is larger (final).
  const cost = Math.max(run.usage?.cost ?? 0, u.cost);
  // While nodes stream, their tokens are estimated from the text ("~"); exact once they report usage.
  const final = (run.usage?.input_tokens ?? 0) + (run.usage?.output_tokens ?? 0);
  const tokens = Math.max(final, u.live.tokens);
  const approx = u.live.estimated && tokens > final ? '~' : '';
  return { done, elapsed, cost, tokens, approx };
}

function ConnectionState({ store, done }: { store: RunStoreApi; done: boolean }) {
  const conn = useStore(store, (s) => s.connection);
  const connErr = useStore(store, (s) => s.connectionError);
  // A finished run streams nothing more: no "live" badge once it has ended.
  if (done && conn !== 'error') return <span data-testid="connection" />;
  return (
    <span className={`hint ${conn === 'error' ? 'st-failed' : ''}`} data-testid="connection">
      {conn === 'live'
        ? '● live'
        : conn === 'reconnecting'
          ? '◌ reconnecting…'
          : conn === 'error'
            ? `✕ ${connErr}`
            : conn === 'closed'
              ? ''
              : '◌ connecting…'}
    </span>
  );
}

function RunBar({
  runId,
  store,
  selected,
  labels,
}: {
  runId: string;
  store: RunStoreApi;
  selected: string | null;
  labels: Record<string, string>;
}) {
  const run = useStore(store, (s) => s.run);
  const { done, elapsed, cost, tokens, approx } = useRunFigures(store);

  const cancel = async () => {
    try {
      await api.post(`/api/runs/${runId}/cancel/`);
      toast('Cancel requested');
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  return (
    <div className="editor-bar">
      <Link to="/runs" className="hint">
        Runs
      </Link>
      <span className="hint">/</span>
      <h1 className="name">
        <Link to={`/workflows/${run.workflow}`}>{run.workflow_name ?? 'Run'}</Link>
      </h1>
      {run.draft ? (
        <span className="badge" title="A playground run of the draft: no numbered version" data-testid="run-draft">
          draft
        </span>
      ) : (
        run.version && <span className="badge">v{run.version}</span>
      )}
      <StatusBadge status={run.status} />
      <span className="hint" data-testid="run-elapsed">
        {fmtMs(elapsed)}
      </span>
      <span className="hint" data-testid="run-usage">
        {approx}
        {tokens} tokens · {fmtCost(cost)}
      </span>
      <ConnectionState store={store} done={done} />
      <div className="spacer" />
      <RerunButton runId={runId} selected={selected} labels={labels} />
      <button
        onClick={async () => {
          try {
            download(`run-${runId}.json`, await api.get(`/api/runs/${runId}/export/`));
          } catch (e) {
            toast(messageOf(e), 'error');
          }
        }}
      >
        Export trace
      </button>
      <button className="danger" disabled={done} onClick={cancel} data-testid="cancel-run">
        ■ Cancel
      </button>
    </div>
  );
}

/** Re-run from the selected node; a node inside a loop/map body re-runs from its top-level container. */
function RerunButton({
  runId,
  selected,
  labels,
}: {
  runId: string;
  selected: string | null;
  labels: Record<string, string>;
}) {
  const navigate = useNavigate();
  const from = selected ? topNode(selected) : null;
  const rerun = async () => {
    if (!from) return;
    try {
      const r = await api.post<Run>(`/api/runs/${runId}/rerun/`, { from_node: from });
      navigate(`/runs/${r.id}`);
    } catch (e) {
      toast(messageOf(e), 'error');
    }
  };
  return (
    <button
      disabled={!from}
      onClick={rerun}
      title={
        from && from !== selected
          ? 'A node inside a body re-runs from its loop or map node'
          : 'Select a node, then re-run from it'
      }
      data-testid="rerun"
    >
      ↻ Re-run from {from ? (labels[from] ?? from) : 'a node'}
    </button>
  );
}
